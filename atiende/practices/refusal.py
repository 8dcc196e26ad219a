"""The one exception a domain core raises when a practice forbids an action."""

from __future__ import annotations


class Refusal(Exception):
    """An action refused by a rule, with a machine code and messages in both languages.

    The API turns it into ``{"error": {"code", "message", "rule"}}`` with status
    ``status`` (409 by default: the request is well formed but the practice
    forbids it now).
    """

    def __init__(
        self,
        code: str,
        *,
        rule: str | None,
        es: str,
        en: str,
        status: int = 409,
    ) -> None:
        super().__init__(en)
        self.code = code
        self.rule = rule
        self.es = es
        self.en = en
        self.status = status

    def message(self, language: str = "es") -> str:
        return self.en if language.startswith("en") else self.es

    def __repr__(self) -> str:
        return f"Refusal({self.code!r}, rule={self.rule!r})"
