from tests.desk.conftest import admin, customer, make_user, other_team, supervisor, team, tech  # noqa: F401
