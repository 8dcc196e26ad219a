"""Live chat's transport rules, pure: the frames a customer's widget and a technician's console may send,
the allow-list of the sites a widget may be embedded on, the rate limits, the order of messages on resume
and the estimated wait shown to a waiting customer.

No Django, no system clock: every function takes the time it needs. The chat app's consumers and views
(:mod:`atiende.chat.consumers`, :mod:`atiende.chat.views`) call these; the protocol is in docs/chat.md.
"""

from atiende.chat.core.frames import (
    CLIENT_ID_LIMIT,
    FRAME_LIMIT,
    TEXT_LIMIT,
    Frame,
    FrameError,
    parse_customer_frame,
    parse_technician_frame,
)
from atiende.chat.core.limits import Bucket, Limiter
from atiende.chat.core.origins import OriginError, normalise_origin, origin_allowed, parse_allowed
from atiende.chat.core.sequence import Replay
from atiende.chat.core.wait import estimate_wait_seconds

__all__ = ["CLIENT_ID_LIMIT", "FRAME_LIMIT", "TEXT_LIMIT", "Bucket", "Frame", "FrameError", "Limiter",
           "OriginError", "Replay", "estimate_wait_seconds", "normalise_origin", "origin_allowed", "parse_allowed",
           "parse_customer_frame", "parse_technician_frame"]
