"""Administration pages. Paths are Spanish (the product's language); names are English."""

from django.urls import path

from atiende.administration import views

app_name = "administration"

urlpatterns = [
    path("", views.index, name="index"),
    path("colas/", views.queue_list, name="queues"),
    path("colas/nueva/", views.queue_edit, name="queue_create"),
    path("colas/<slug:name>/", views.queue_edit, name="queue_edit"),
    path("equipos/", views.team_list, name="teams"),
    path("equipos/nuevo/", views.team_edit, name="team_create"),
    path("equipos/<int:pk>/", views.team_edit, name="team_edit"),
    path("usuarios/", views.user_list, name="users"),
    path("usuarios/nuevo/", views.user_create, name="user_create"),
    path("usuarios/<int:pk>/", views.user_edit, name="user_edit"),
    path("politicas/", views.policies, name="policies"),
]
