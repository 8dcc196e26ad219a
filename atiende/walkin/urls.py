"""The walk-in desk's pages. Paths are Spanish (the product's language); names are English."""

from django.urls import path

from atiende.walkin import views

app_name = "walkin"

urlpatterns = [
    path("recepcion/", views.kiosk_page, name="kiosk"),
    path("recepcion/quiosco/", views.open_kiosk, name="open_kiosk"),
    path("recepcion/turno/<int:visit_id>/", views.ticket, name="ticket"),
    path("recepcion/citas/", views.booking_list, name="bookings"),
    path("citas/", views.my_bookings, name="my_bookings"),
    path("citas/<int:booking_id>/cancelar/", views.cancel_my_booking, name="cancel_my_booking"),
    path("sala/", views.display, name="display"),
    path("mostrador/", views.desk_panel, name="desk_panel"),
    path("mostrador/cifras/", views.wallboard_card, name="wallboard_card"),
    path("mostrador/llamar/", views.call_next, name="call_next"),
    path("mostrador/<int:visit_id>/atender/", views.serve, name="serve"),
    path("mostrador/<int:visit_id>/rellamar/", views.call_again, name="call_again"),
    path("mostrador/<int:visit_id>/no-vino/", views.no_show, name="no_show"),
    path("mostrador/<int:visit_id>/se-fue/", views.left, name="left"),
]
