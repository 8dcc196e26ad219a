"""The campaigns' pages. Paths are Spanish (the product's language); names are English."""

from django.urls import path

from atiende.campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("campanas/", views.campaign_list, name="list"),
    path("campanas/<int:campaign_id>/", views.campaign_detail, name="detail"),
    path("campanas/<int:campaign_id>/cambiar/", views.campaign_change, name="change"),
    path("campanas/<int:campaign_id>/importar/", views.campaign_import, name="import"),
    path("campanas/<int:campaign_id>/filtro/", views.campaign_filter, name="filter"),
    path("campanas/cifras/", views.wallboard_card, name="wallboard_card"),
    path("campanas/preview/", views.preview_panel, name="preview_panel"),
    path("campanas/preview/siguiente/", views.preview_next, name="preview_next"),
    path("campanas/preview/<int:target_id>/llamar/", views.preview_dial, name="preview_dial"),
    path("campanas/preview/<int:target_id>/resultado/", views.preview_outcome, name="preview_outcome"),
    path("campanas/preview/<int:target_id>/soltar/", views.preview_release, name="preview_release"),
]
