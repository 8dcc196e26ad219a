"""What a chat socket accepts from a widget or a console: checked before anything reads it (pure)."""

from __future__ import annotations

import json

import pytest

from atiende.chat.core import (
    FRAME_LIMIT,
    TEXT_LIMIT,
    FrameError,
    parse_customer_frame,
    parse_technician_frame,
)

TOKEN = "t0k3n-abcdefghijklmnop"


def refused(parse, data) -> FrameError:
    with pytest.raises(FrameError) as caught:
        parse(data)
    return caught.value


def test_a_customer_joins_with_the_session_token_and_the_last_message_they_have() -> None:
    frame = parse_customer_frame(json.dumps({"type": "join", "token": TOKEN, "last_seq": 7}))
    assert (frame.type, frame.token, frame.last_seq) == ("join", TOKEN, 7)


def test_a_message_is_trimmed_with_its_line_ends_kept_and_control_characters_dropped() -> None:
    frame = parse_customer_frame(json.dumps({"type": "message", "client_id": "c-1", "text": "  Hola\r\nmundo\x07\x00  "}))
    assert frame.text == "Hola\nmundo"
    assert frame.client_id == "c-1"


def test_markup_is_kept_as_the_text_it_is() -> None:
    # Rendering is text-only on both sides; the transport does not rewrite what people write.
    payload = '<img src=x onerror="alert(1)">'
    assert parse_customer_frame(json.dumps({"type": "message", "client_id": "a", "text": payload})).text == payload


@pytest.mark.parametrize(("data", "code"), [
    ("not json", "bad_frame"),
    ("[1, 2]", "bad_frame"),
    (json.dumps({"type": "subscribe", "chat": 1}), "unknown_type"),
    (json.dumps({"type": "join", "token": "short"}), "bad_token"),
    (json.dumps({"type": "join", "token": "<script>alert(1)</script>aaaa"}), "bad_token"),
    (json.dumps({"type": "message", "client_id": "a", "text": "   "}), "empty_text"),
    (json.dumps({"type": "message", "client_id": "a", "text": 5}), "bad_text"),
    (json.dumps({"type": "message", "client_id": "a b", "text": "hola"}), "bad_client_id"),
    (json.dumps({"type": "message", "text": "hola"}), "bad_client_id"),
    (json.dumps({"type": "read", "seq": -1}), "bad_seq"),
    (json.dumps({"type": "read", "seq": True}), "bad_seq"),
    (json.dumps({"type": "resume"}), "bad_seq"),
    (json.dumps({"type": "typing", "active": "yes"}), "bad_frame"),
    (json.dumps({"type": "consent"}), "bad_frame"),
    (None, "bad_frame"),
])
def test_bad_frames_are_refused_with_a_code_the_widget_can_act_on(data, code) -> None:
    error = refused(parse_customer_frame, data)
    assert error.code == code
    assert error.message("es") and error.message("en") and error.message("es") != error.message("en")


def test_a_message_longer_than_the_limit_is_refused_not_cut() -> None:
    error = refused(parse_customer_frame, json.dumps({"type": "message", "client_id": "a", "text": "a" * (TEXT_LIMIT + 1)}))
    assert error.code == "text_too_long"
    assert str(TEXT_LIMIT) in error.message("es")
    assert parse_customer_frame(json.dumps({"type": "message", "client_id": "a", "text": "a" * TEXT_LIMIT})).text


def test_a_frame_over_the_size_limit_is_refused_before_it_is_decoded() -> None:
    error = refused(parse_customer_frame, json.dumps({"type": "ping", "pad": "ñ" * FRAME_LIMIT}))
    assert error.code == "frame_too_large"


def test_a_technician_names_the_chat_and_may_write_an_internal_note() -> None:
    frame = parse_technician_frame(json.dumps({"type": "message", "chat": 4, "client_id": "x", "text": "nota",
                                               "visibility": "internal"}))
    assert (frame.chat, frame.visibility) == (4, "internal")
    assert parse_technician_frame(json.dumps({"type": "subscribe", "chat": 4})).last_seq == 0
    assert refused(parse_technician_frame, json.dumps({"type": "typing"})).code == "bad_chat"
    assert refused(parse_technician_frame, json.dumps({"type": "message", "chat": 4, "client_id": "x", "text": "a",
                                                       "visibility": "coach"})).code == "bad_visibility"
    assert refused(parse_technician_frame, json.dumps({"type": "join", "token": TOKEN})).code == "unknown_type"


def test_the_customer_answers_a_transfer_question_yes_or_no_and_may_end_the_chat() -> None:
    assert parse_customer_frame(json.dumps({"type": "consent", "answer": True})).active is True
    assert parse_customer_frame(json.dumps({"type": "consent", "answer": False})).active is False
    assert parse_customer_frame(json.dumps({"type": "end"})).type == "end"
