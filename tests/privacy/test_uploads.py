from __future__ import annotations

import io

import pytest

from atiende.errors import InputError
from atiende.privacy.uploads import check_upload

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"x" * 64


@pytest.mark.parametrize(("content", "name", "mime"), [
    (PNG, "captura.png", "image/png"),
    (PDF, "factura.PDF", "application/pdf"),
    ("registro de errores: la impresora dice «atasco»\n".encode(), "error.log", "text/plain"),
    (b"PK\x03\x04" + b"\x00" * 40, "informe.docx", "application/zip"),
])
def test_allowed_files_pass_with_their_proven_type(content, name, mime):
    assert check_upload(io.BytesIO(content), name=name).mime == mime


def test_too_large_file_is_refused_with_413(settings):
    settings.ATIENDE_UPLOAD_MAX_BYTES = 100
    with pytest.raises(InputError) as info:
        check_upload(io.BytesIO(PDF * 3), name="grande.pdf")
    assert info.value.status == 413 and info.value.code == "file_too_large"


@pytest.mark.parametrize(("content", "name"), [
    (b"MZ\x90\x00\x03" + b"\x00" * 60, "factura.pdf"),  # a Windows executable called .pdf
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "foto.png"),
    (b"<!DOCTYPE html><script>alert(1)</script>", "nota.txt"),
    (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "logo.txt"),
])
def test_executables_and_markup_are_refused_whatever_their_name(content, name):
    with pytest.raises(InputError) as info:
        check_upload(io.BytesIO(content), name=name)
    assert info.value.status == 415


def test_name_must_agree_with_content():
    with pytest.raises(InputError) as info:
        check_upload(io.BytesIO(PNG), name="documento.pdf")
    assert info.value.code == "file_extension_mismatch"


def test_empty_file_is_refused():
    with pytest.raises(InputError):
        check_upload(io.BytesIO(b""), name="vacio.txt")
