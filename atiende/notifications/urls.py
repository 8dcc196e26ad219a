"""Notification pages. Paths are Spanish (the product's language); names are English."""

from django.urls import path

from atiende.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:pk>/", views.notification_open, name="open"),
    path("leidas/", views.notification_read_all, name="read_all"),
    path("preferencias/", views.notification_preferences, name="preferences"),
]
