"""Test set-up shared by the whole suite.

The suite runs twice (see the Makefile): once on SQLite with every test, and
once on PostgreSQL (``ATIENDE_TEST_DATABASE=postgres``) with only the tests
that touch the database. When PostgreSQL cannot be reached, that half is
skipped with the reason shown in the summary.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

POSTGRES_RUN = os.environ.get("ATIENDE_TEST_DATABASE") == "postgres"
# A test that asks for one of these touches the database of the run, so the PostgreSQL half selects it.
# center_template: the served contact center (tests.consoles.browser) is a copy of the run's database, a PostgreSQL
# one on that half, whatever the test is marked with.
DB_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server", "admin_client", "admin_user",
               "center_template"}


def _serve_one_request_at_a_time() -> None:
    """pytest-django's ``live_server`` on the in-memory SQLite test database hands every server thread the
    one connection the test holds (an in-memory database exists only in it); a page that fires requests at
    once (the console's cards, its state and the campaign panel) then used that connection from two threads,
    and SQLite answered "bad parameter or other API misuse": the session read failed and the technician was
    signed out mid-test. The live server keeps its threads (a slow request never stops the server
    accepting) but runs the application for one request at a time, as one connection allows."""
    import threading

    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.test.testcases import LiveServerThread

    class OneRequestAtATime(ThreadedWSGIServer):
        def set_app(self, application):  # type: ignore[no-untyped-def]
            lock = threading.Lock()

            def serial(environ, start_response):  # type: ignore[no-untyped-def]
                with lock:
                    return application(environ, start_response)

            super().set_app(serial)

    LiveServerThread.server_class = OneRequestAtATime


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Argon2 stays the production hasher (atiende/settings.py, tested in
    # tests/privacy); the suite hashes with a fast one so creating users is cheap.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Files the suite uploads (attachments, from any test, schemathesis included) go to a folder
    # of this run's own, removed at the end, never to ./var/media.
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="atiende-test-media-")
    if not POSTGRES_RUN:
        _serve_one_request_at_a_time()
    # The audit chain's seal key and anchor live outside the database (docs/security.md): the suite seals with
    # a fixed key and anchors nowhere, so no test writes to ./var; tests/privacy/test_audit_seal.py turns
    # the anchor on in a folder of its own.
    settings.ATIENDE_AUDIT_KEY = "test-audit-key-" + "k" * 32
    settings.ATIENDE_AUDIT_ANCHOR = "-"


def pytest_unconfigure(config: pytest.Config) -> None:
    from django.conf import settings

    if str(settings.MEDIA_ROOT).startswith(tempfile.gettempdir()):
        shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@pytest.fixture
def media(settings, tmp_path) -> Path:
    """MEDIA_ROOT in the test's own folder, so "nothing stored" and "really removed" can be checked."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture(scope="session")
def center_template(tmp_path_factory):
    """The served contact center (tests.consoles.browser), migrated and seeded once per run for every module that
    serves one (consoles, chat, walk-in, campaigns); each test serves a copy of its own. It lives here, not in a
    package's conftest: a session fixture imported into another conftest or module is a second fixture there,
    made again (six migrations and seeds a half, where one does)."""
    from tests.consoles.browser import center_template as made

    with made(tmp_path_factory.mktemp("center-template")) as template:
        yield template


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    """``atiende demo``'s data (atiende.demo.load_demo) loaded once for a module's tests, which read it; its logins.

    It is loaded in a transaction rolled back after the module's last test, and each test runs in a savepoint
    within it (the ``db`` fixture, which the test still needs): what a test writes is undone before the next, so
    every test starts from the demo as loaded, and the next module from an empty database."""
    from django.db import transaction

    from atiende.demo import load_demo

    with django_db_blocker.unblock(), transaction.atomic():
        yield load_demo()
        transaction.set_rollback(True)


def _uses_database(item: pytest.Item) -> bool:
    if item.get_closest_marker("django_db"):
        return True
    return bool(DB_FIXTURES & set(getattr(item, "fixturenames", ())))


def _postgres_unreachable() -> str | None:
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        return "DATABASE_URL does not point at PostgreSQL"
    try:
        psycopg.connect(
            host=db.get("HOST") or None, port=db.get("PORT") or None, user=db.get("USER") or None,
            password=db.get("PASSWORD") or None, dbname=db.get("NAME"), connect_timeout=3,
        ).close()
    except psycopg.Error as exc:
        return f"cannot reach PostgreSQL at {db.get('HOST')}:{db.get('PORT')} ({exc.__class__.__name__})"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not POSTGRES_RUN:
        return
    # The pure cores were already tested in the SQLite run; here only database tests matter.
    selected = [item for item in items if _uses_database(item)]
    deselected = [item for item in items if not _uses_database(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected
    reason = _postgres_unreachable()
    if reason and os.environ.get("CI"):
        # Under CI a PostgreSQL half that runs nothing is a failure, never a pass made of skips (issue 22, item 27).
        pytest.exit(f"PostgreSQL half cannot run: {reason}. CI needs the PostgreSQL server of DATABASE_URL "
                    "(and its database).", returncode=3)
    if reason:
        skip = pytest.mark.skip(reason=f"PostgreSQL half skipped: {reason}")
        for item in items:
            item.add_marker(skip)


def pytest_report_header(config: pytest.Config) -> str:
    from django.conf import settings

    return f"atiende database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}"
