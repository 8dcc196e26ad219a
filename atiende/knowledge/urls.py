"""Knowledge pages: the search page, the help center (public) and the staff's articles and canned answers.

Paths are Spanish (the product's language); names are English.
"""

from django.urls import path

from atiende.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("buscar/", views.search_page, name="search"),
    path("ayuda/", views.help_center, name="help_center"),
    path("ayuda/sugerencias/", views.suggestions, name="suggestions"),
    path("ayuda/<int:pk>/", views.help_article, name="article"),
    path("ayuda/<int:pk>/valoracion/", views.help_feedback, name="article_feedback"),
    path("ayuda/<int:pk>/archivos/<int:file_pk>/", views.article_file, name="article_file"),
    path("conocimiento/", views.knowledge_index, name="index"),
    path("conocimiento/articulos/nuevo/", views.article_create, name="article_create"),
    path("conocimiento/articulos/<int:pk>/editar/", views.article_edit, name="article_edit"),
    path("conocimiento/articulos/<int:pk>/archivos/", views.article_file_add, name="article_file_add"),
    path("conocimiento/articulos/<int:pk>/historial/", views.article_history, name="article_history"),
    path("conocimiento/respuestas/nueva/", views.canned_edit, name="canned_answer_create"),
    path("conocimiento/respuestas/<int:pk>/", views.canned_edit, name="canned_answer_edit"),
    path("conocimiento/respuestas/<int:pk>/eliminar/", views.canned_delete, name="canned_answer_delete"),
    path("conocimiento/relacionados/", views.related_to_text, name="related_to_text"),
    path("conocimiento/relacionados/<int:number>/", views.related_to_work_order, name="related"),
    path("conocimiento/solicitudes/<int:number>/respuestas/", views.canned_picker, name="canned_picker"),
]
