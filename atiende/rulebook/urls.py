"""The rule pages. Paths are Spanish (the product's language); names are English."""

from django.urls import path

from atiende.rulebook import views

app_name = "rulebook"

urlpatterns = [
    path("", views.rule_index, name="index"),
    path("<str:rule_id>/", views.rule_page, name="rule"),
]
