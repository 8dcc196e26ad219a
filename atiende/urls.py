from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from atiende.api import api
from atiende.api.consoles import consoles_urls
from atiende.api.errors import api_not_found

urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<rest>.*)$", api_not_found),
    # The webhook's outbox moved from the contact app to telephony: old admin links still work.
    re_path(r"^admin/contact/webhookdelivery/(?P<rest>.*)$",
            RedirectView.as_view(url="/admin/telephony/webhookdelivery/%(rest)s", query_string=True, permanent=True)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("calidad/", include("atiende.scorecards.urls")),
    path("planificacion/", include("atiende.planning.urls")),
    path("informes/", include("atiende.reports.urls")),
    path("correo/", include("atiende.mail.urls")),
    path("avisos/", include("atiende.notifications.urls")),
    path("practica/", include("atiende.practice.urls")),
    path("", include("atiende.knowledge.urls")),
    path("reglas/", include("atiende.rulebook.urls")),
    path("administracion/", include("atiende.administration.urls")),
    path("", include("atiende.walkin.urls")),
    path("", include("atiende.chat.urls")),  # the widget: /chat/widget.js and /chat/w/KEY/...
    path("", include("atiende.campaigns.urls")),
    path("", include(consoles_urls())),  # the consoles' JSON, beside their pages (/consola/estado/ ...)
    path("", include("atiende.consoles.urls")),
    path("", include("atiende.web.urls")),
    path("", include("atiende.desk.urls")),
]
