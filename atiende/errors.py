"""Errors of the Django layer's services: bad input or a state conflict, never a crash.

Pure cores raise :class:`atiende.practices.Refusal` (messages in both languages);
services in the Django apps raise :class:`InputError` with a translated message.
Views and the API turn both into a clear 4xx.
"""

from __future__ import annotations

from typing import Any


class InputError(ValueError):
    """The request cannot be carried out as given.

    ``status`` is 400 for malformed data, 404 for a missing object, 409 for a
    conflict with the current state (a stale version, a phase rule).
    """

    def __init__(
        self, code: str, message: Any, *, rule: str | None = None, status: int = 400, field: str | None = None
    ) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.rule = rule
        self.status = status
        self.field = field


def error_body(code: str, message: Any, rule: str | None = None, **extra: Any) -> dict[str, Any]:
    """THE error format: ``{"error": {"code", "message", "rule"}}`` (the API answers it; the CTI stores it)."""
    body: dict[str, Any] = {"code": code, "message": str(message), "rule": rule}
    body.update(extra)
    return {"error": body}
