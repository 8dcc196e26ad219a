"""Knowledge pages: the search page, the help center (public) and the staff's articles and canned answers.

Paths are Spanish (the product's language); names are English.
"""

from django.urls import path

from atiende.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("buscar/", views.search_page, name="search"),
]
