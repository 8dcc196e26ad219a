"""The shell's own pages, namespace ``web``: signing in and out, one's password. The desk's pages are
``desk:`` (``atiende/desk/urls.py``). Paths are Spanish (the product's language); names are English."""

from django.urls import path

from atiende.web.views import auth

app_name = "web"

urlpatterns = [
    path("entrar/", auth.SignInView.as_view(), name="login"),
    path("salir/", auth.SignOutView.as_view(), name="logout"),
    path("cuenta/contrasena/", auth.PasswordChangeView.as_view(), name="password_change"),
]
