"""ET-3 / NT-3: credentials a customer dictates never stay in a work order's text.

When a technician types "mi usuario es mlopez y la contraseña es Perro2024" into
the problem story, the language assistant finds the user name and the password;
the text keeps only their labels (``[USUARIO]``, ``[CONTRASEÑA]``) and the values
go to the encrypted credential vault of the work order, where only the assignee
can reveal them after the customer's consent (ET-2). Other personal data (emails,
phone numbers) is legitimate work-order content and stays.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from atiende.language import Secret, redact

# Work-order fields where a customer's words are written down freely.
FREE_TEXT_FIELDS = ("problem_story", "paraphrase", "resolution", "closing_contact_note")

Found = list[tuple[str, Secret]]


def take_credentials(text: str) -> tuple[str, list[Secret]]:
    """The text with each credential replaced by its label, and the credentials taken out."""
    credentials = redact(text).credentials if text else []
    for secret in sorted(credentials, key=lambda s: s.start, reverse=True):
        text = text[: secret.start] + secret.label + text[secret.end :]
    return text, credentials


def take_from_fields(values: dict[str, Any], fields: Iterable[str] = FREE_TEXT_FIELDS) -> Found:
    """Clean the free-text fields of ``values`` in place; return what was taken, field by field."""
    found: Found = []
    for name in fields:
        value = values.get(name)
        if isinstance(value, str) and value:
            values[name], credentials = take_credentials(value)
            found.extend((name, secret) for secret in credentials)
    return found


def store_in_vault(*, work_order: Any, actor: Any, found: Found) -> None:
    """Hand what was taken to the work order's vault (call inside the write transaction)."""
    if not found:
        return
    from atiende.privacy.services import store_secret

    for field_name, secret in found:
        store_secret(work_order=work_order, kind=secret.kind, label=f"{secret.label} · {field_name}",
                     value=secret.value, created_by=actor)
