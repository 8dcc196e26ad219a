"""Settings for bench_engine_crash.py's server: Atiende's settings plus a PostgreSQL connection pool of its own size.

Under ASGI Django runs each request's sync code in its own thread, and
persistent connections (``CONN_MAX_AGE``) are per thread, so a busy server opens
a connection per request thread until PostgreSQL refuses more ("too many
clients"). A pool (psycopg_pool, Django's ``OPTIONS["pool"]``) bounds them and
reuses them.
"""

from atiende.settings import *  # noqa: F403

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False  # noqa: F405
    try:
        import psycopg_pool  # noqa: F401
    except ImportError:  # without the pool: one connection per request, closed after it
        pass
    else:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {  # noqa: F405
            "min_size": 4, "max_size": 16, "timeout": 10}
