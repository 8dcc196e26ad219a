"""Every response carries X-Request-ID: the caller's when it is sensible, a new one otherwise."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_callers_request_id_comes_back(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="caddy-4f2a.17")
    assert response["X-Request-ID"] == "caddy-4f2a.17"


def test_a_missing_or_unreasonable_request_id_is_replaced_by_a_new_one(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz", HTTP_X_REQUEST_ID="<script>" + "x" * 100)["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and re.fullmatch(r"[0-9a-f]{32}", second)
    assert first != second


def test_pages_and_api_errors_carry_it_too(client):
    assert client.get("/api/v1/people/me", HTTP_X_REQUEST_ID="abc")["X-Request-ID"] == "abc"
    assert client.get("/no-such-page/", HTTP_X_REQUEST_ID="def")["X-Request-ID"] == "def"
