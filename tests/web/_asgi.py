"""Reading a whole HTTP answer from an ASGI application under asgiref's ApplicationCommunicator."""

from __future__ import annotations

from asgiref.testing import ApplicationCommunicator


async def answer(communicator: ApplicationCommunicator) -> tuple[int, bytes]:
    """The status and the whole body the application sent, once it has finished."""
    start = await communicator.receive_output(timeout=10)
    body = b""
    while True:
        message = await communicator.receive_output(timeout=10)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await communicator.wait(timeout=10)
    return start["status"], body
