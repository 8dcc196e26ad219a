"""Call-back tests share the webhook tests' fake PBX."""

from __future__ import annotations

from tests.telephony.webhooks.conftest import webhook_pbx  # noqa: F401
