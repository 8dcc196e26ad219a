"""Console routes. Paths are Spanish (the product's language); names are English."""

from django.urls import path

from atiende.consoles import views

app_name = "consoles"

urlpatterns = [
    path("consola/", views.console, name="console"),
    path("consola/estado/", views.console_state, name="console_state"),
    path("consola/asistente/", views.console_assist, name="console_assist"),
    path("consola/solicitud/", views.console_work_order, name="console_work_order"),
    path("panel/", views.wallboard, name="wallboard"),
    path("panel/estado/", views.wallboard_state, name="wallboard_state"),
]
