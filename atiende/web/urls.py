from django.contrib.auth import views as auth_views
from django.urls import path

from atiende.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("entrar/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("salir/", auth_views.LogoutView.as_view(), name="logout"),
]
