"""System checks: vault keys present and well formed (ET-3)."""

from __future__ import annotations

import os
from typing import Any

from django.core import checks

from atiende.privacy.vault import ENV_VAR, VaultKeyError, parse_keys


@checks.register(checks.Tags.security)
def vault_keys_well_formed(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    value = os.environ.get(ENV_VAR, "").strip()
    if not value:
        return []
    try:
        parse_keys(value, ENV_VAR)
    except VaultKeyError as exc:
        return [checks.Error(str(exc), id="atiende.E001")]
    return []


@checks.register(checks.Tags.security, deploy=True)
def vault_keys_from_environment(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if os.environ.get(ENV_VAR, "").strip():
        return []
    return [
        checks.Warning(
            f"{ENV_VAR} is not set, so the vault key lives in a file beside the database "
            "and any backup of that folder carries it.",
            hint="Create a key with `atiende vault keygen` and set it in the environment.",
            id="atiende.W001",
        )
    ]
