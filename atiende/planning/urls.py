"""Planning pages under /planificacion/ (paths in Spanish, names in English)."""

from django.urls import path

from atiende.planning import views

app_name = "planning"

urlpatterns = [
    path("", views.calculator, name="calculator"),
    path("intervalos/", views.interval_plan, name="plan"),
    path("simulacion/", views.simulation, name="simulation"),
]
