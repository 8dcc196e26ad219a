"""RFC 3834: automatic mail is recognised, so it never gets an automatic answer."""

from __future__ import annotations

import pytest

from atiende.mail.core import loops


def _reason(headers: dict[str, str], **kwargs: str) -> str:
    return loops.automatic_reason(lambda name: headers.get(name, ""), **kwargs)


@pytest.mark.parametrize("headers,expected", [
    ({"Auto-Submitted": "auto-replied"}, loops.AUTO_SUBMITTED),
    ({"Auto-Submitted": "auto-generated"}, loops.AUTO_SUBMITTED),
    ({"Precedence": "bulk"}, loops.PRECEDENCE),
    ({"Precedence": "list"}, loops.PRECEDENCE),
    ({"X-Autoreply": "yes"}, loops.AUTO_REPLY),
    ({"X-Auto-Response-Suppress": "All"}, loops.AUTO_REPLY),
    ({"List-Id": "<soporte.lists.example.com>"}, loops.MAILING_LIST),
    ({"Return-Path": "<>"}, loops.BOUNCE),
    ({"Auto-Submitted": "no"}, ""),
    ({}, ""),
])
def test_automatic_mail_is_recognised_by_its_headers(headers, expected):
    assert _reason(headers, sender="cliente@example.com") == expected


def test_mailer_daemons_and_reports_are_bounces():
    assert _reason({}, sender="MAILER-DAEMON@mx.example.com") == loops.BOUNCE
    assert _reason({}, content_type="multipart/report", sender="x@example.com") == loops.BOUNCE
