"""The desk's people (a team, a technician, a supervisor, an administrator) for the notification tests."""

from tests.desk.conftest import admin, supervisor, team, tech  # noqa: F401 - fixtures
