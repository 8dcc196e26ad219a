"""Sign in, sign out and password change, on Django's auth views with our templates."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


class SignInForm(auth_forms.AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    pass


class SignInView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form: SignInForm) -> HttpResponse:  # type: ignore[override]
        """Start in the language of the person's profile, unless they already chose one with the switch."""
        response = super().form_valid(form)
        language = getattr(form.get_user(), "language", "")
        chosen = settings.LANGUAGE_COOKIE_NAME in self.request.COOKIES
        if language in dict(settings.LANGUAGES) and not chosen:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax",
                                max_age=settings.LANGUAGE_COOKIE_AGE)
        return response


class SignOutView(auth_views.LogoutView):
    """POST only (Django's rule): a link cannot sign someone out behind their back."""

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have signed out."))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "web/auth/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("desk:home")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response
