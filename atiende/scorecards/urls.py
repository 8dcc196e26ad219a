"""Scorecard pages under /calidad/ (paths in Spanish, names in English)."""

from django.urls import path

from atiende.scorecards import views

app_name = "scorecards"

urlpatterns = [
    path("", views.scorecard_list, name="list"),
    path("<int:pk>/", views.scorecard_detail, name="detail"),
    path("<int:pk>/correccion/", views.scorecard_override, name="override"),
    path("<int:pk>/respuesta/", views.scorecard_answer, name="answer"),
    path("tecnicos/<int:user_id>/", views.technician_trend, name="trend"),
]
