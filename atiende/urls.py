from django.contrib import admin
from django.urls import include, path

from atiende.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("calidad/", include("atiende.scorecards.urls")),
    path("planificacion/", include("atiende.planning.urls")),
    path("", include("atiende.consoles.urls")),
    path("", include("atiende.web.urls")),
]
