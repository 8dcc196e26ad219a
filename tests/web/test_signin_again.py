"""A signed-out htmx action is sent to the sign-in page as a whole page (HX-Redirect), back to the page it came
from; without htmx the redirect is as it was (atiende/web/signin_again.py)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_signed_out_htmx_action_is_sent_to_the_sign_in_page_of_the_page_it_came_from():
    answer = Client().post("/mostrador/llamar/", {"desk": "Mesa 3"}, HTTP_HX_REQUEST="true",
                           HTTP_HX_CURRENT_URL="http://testserver/consola/?chat=4#chats")
    assert answer.status_code == 200 and answer.content == b""
    assert answer["HX-Redirect"] == "/entrar/?next=%2Fconsola%2F%3Fchat%3D4"


def test_a_foreign_or_missing_current_page_comes_back_to_the_home_page():
    for current in ("", "//otra.example/robo", "javascript:alert(1)"):
        answer = Client().post("/mostrador/llamar/", HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=current)
        assert answer["HX-Redirect"] == "/entrar/?next=%2F", current


def test_without_htmx_the_redirect_is_unchanged():
    answer = Client().post("/mostrador/llamar/", {"desk": "Mesa 3"})
    assert answer.status_code == 302 and answer["Location"].startswith("/entrar/?next=")
    assert "HX-Redirect" not in answer
