"""The ASGI server the browser test and the fan-out bench drive: uvicorn (HTTP and websockets) plus the
deadline worker in a thread, one process, against the database ATIENDE_HOME or DATABASE_URL names.

``python -m tests.consoles.serve PORT``
"""

from __future__ import annotations

import sys


def main(port: int) -> None:
    from atiende.cli.django_setup import setup_django

    setup_django()
    import uvicorn

    from atiende.cli.worker import start_in_thread

    start_in_thread(interval=0.3)  # hold reminders (HO-5), transfer timeouts, policy alerts
    uvicorn.run("atiende.asgi:application", host="127.0.0.1", port=port, log_level="warning", lifespan="off",
                ws_max_queue=64)


if __name__ == "__main__":
    main(int(sys.argv[1]))
