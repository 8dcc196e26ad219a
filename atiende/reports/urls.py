"""Report pages under /informes/ (paths in Spanish, names in English)."""

from django.urls import path

from atiende.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:name>/", views.report, name="report"),
]
