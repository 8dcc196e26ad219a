"""The desk's pages are named ``desk:...`` and keep their paths; the shell keeps ``web:`` for signing in."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse


@pytest.mark.parametrize(("name", "args", "path"), [
    ("desk:home", [], "/"),
    ("desk:work_order_list", [], "/solicitudes/"),
    ("desk:work_order_detail", [42], "/solicitudes/42/"),
    ("desk:work_order_attachment_download", [42, 7], "/solicitudes/42/adjuntos/7/"),
    ("desk:customer_detail", [3], "/clientes/3/"),
    ("desk:survey", ["abc"], "/encuesta/abc/"),
    ("web:login", [], "/entrar/"),
    ("web:logout", [], "/salir/"),
    ("web:password_change", [], "/cuenta/contrasena/"),
])
def test_each_page_name_gives_the_path_it_always_had(name, args, path):
    assert reverse(name, args=args) == path


def test_the_desk_pages_are_not_named_in_the_shell_any_more():
    with pytest.raises(NoReverseMatch):
        reverse("web:work_order_detail", args=[42])
