"""People, customers and work orders for the knowledge tests (the desk's fixtures, reused)."""

from tests.desk.conftest import (  # noqa: F401
    admin,
    customer,
    fast_password_hashing,
    make_user,
    other_team,
    other_tech,
    supervisor,
    team,
    tech,
    work_order,
)
