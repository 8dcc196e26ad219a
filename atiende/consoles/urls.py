"""The consoles' pages. Paths are Spanish (the product's language); names are English.

Their JSON (``consola/estado/``, ``consola/asistente/``, ``consola/solicitud/``, ``panel/estado/``)
is served by ``atiende/api/consoles.py``, URL names ``consoles_api:...``."""

from django.urls import path

from atiende.consoles import views

app_name = "consoles"

urlpatterns = [
    path("consola/", views.console, name="console"),
    path("panel/", views.wallboard, name="wallboard"),
]
