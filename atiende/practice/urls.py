"""Practice room pages under /practica/ (paths in Spanish, names in English)."""

from django.urls import path

from atiende.practice import views

app_name = "practice"

urlpatterns = [
    path("", views.index, name="index"),
    path("empezar/", views.start, name="start"),
    path("asignar/", views.assign, name="assign"),
    path("nota-de-corte/", views.pass_mark, name="pass_mark"),
    path("sesiones/<int:pk>/", views.session, name="session"),
    path("sesiones/<int:pk>/turno/", views.turn, name="turn"),
    path("tecnicos/<int:user_id>/", views.progress, name="progress"),
]
