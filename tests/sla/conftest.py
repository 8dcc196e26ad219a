from tests.desk.conftest import (  # noqa: F401
    admin,
    bearer,
    customer,
    make_user,
    other_team,
    supervisor,
    team,
    tech,
)
