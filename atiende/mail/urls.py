from django.urls import path

from atiende.mail import views

app_name = "mail"

urlpatterns = [
    path("", views.outgoing, name="outgoing"),
    path("<int:pk>/", views.outgoing_detail, name="outgoing_detail"),
]
