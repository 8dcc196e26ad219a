"""Which sites may embed a widget (pure): exact origins and sub-domain families, scheme and port counting."""

from __future__ import annotations

import pytest

from atiende.chat.core import OriginError, normalise_origin, origin_allowed, parse_allowed


def test_an_allow_list_as_typed_is_normalised() -> None:
    typed = ["https://WWW.Example.com/, http://localhost:8080", "https://*.cliente.es\nhttps://www.example.com:443"]
    assert parse_allowed(typed) == ["https://www.example.com", "http://localhost:8080", "https://*.cliente.es"]


@pytest.mark.parametrize("entry", ["www.example.com", "ftp://example.com", "https://example.com/chat",
                                   "https://*example.com", "https://a.*.com", "https://user@example.com",
                                   "https://example.com:99999", "https://*.com"])
def test_what_is_not_an_origin_is_refused_with_the_form_to_write(entry) -> None:
    with pytest.raises(OriginError) as caught:
        parse_allowed([entry])
    assert "https://" in caught.value.message("es")


@pytest.mark.parametrize(("origin", "allowed"), [
    ("https://www.example.com", True),
    ("https://WWW.EXAMPLE.COM:443", True),
    ("http://www.example.com", False),  # another scheme is another origin
    ("https://www.example.com:8443", False),
    ("https://example.com", False),
    ("https://tienda.cliente.es", True),
    ("https://a.b.cliente.es", True),
    ("https://cliente.es", False),  # the family is the sub-domains, not the bare domain
    ("https://malcliente.es", False),
    ("https://cliente.es.evil.com", False),
    ("null", False),  # a sandboxed frame or a file
    ("", False),
    (None, False),
])
def test_an_origin_is_allowed_only_when_the_list_names_it(origin, allowed) -> None:
    assert origin_allowed(origin, ["https://www.example.com", "https://*.cliente.es"]) is allowed


def test_an_empty_allow_list_allows_nobody() -> None:
    assert not origin_allowed("https://www.example.com", [])
    assert normalise_origin("http://[::1]:8000") == "http://[::1]:8000"
