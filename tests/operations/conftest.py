"""The operations tests borrow the privacy tests' work order, customer, technician and vault key."""

from tests.privacy.conftest import customer, team, technician, vault_key, work_order  # noqa: F401
