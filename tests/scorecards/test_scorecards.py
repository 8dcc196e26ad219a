"""Scorecards stored with contacts: scoring as a call ends, calibration, answers, visibility, redaction."""

from __future__ import annotations

import json
import logging

import pytest
from django.db import connection

from atiende.contact.models import ContactState
from atiende.scorecards import scoring, services
from atiende.scorecards.jobs import run_pending_scoring
from atiende.scorecards.models import ContactTranscript, ItemOverride, Scorecard, ScoringJob

from .conftest import GOOD_TURNS, PASSWORD_SAID, bearer, hold_without_consent, run_call

pytestmark = pytest.mark.django_db


def statuses(card: Scorecard) -> dict[str, str]:
    return {i["rule"]: i["status"] for i in card.items}


def upload(client, user, transcript, **extra):
    return client.post("/api/v1/scorecards", {"transcript": transcript, **extra},
                       content_type="application/json", headers=bearer(user))


# ---- scoring as a contact ends ---------------------------------------------------------

def test_a_contact_that_ends_gets_a_scorecard(people, clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call = run_call(people, clock, turns=GOOD_TURNS)
    assert call.state == ContactState.ENDED
    # Ending the call only stored its scoring job; the worker scores it.
    assert ScoringJob.objects.filter(contact=call).exists() and not Scorecard.objects.filter(contact=call).exists()
    assert run_pending_scoring() == 1
    card = Scorecard.objects.get(contact=call)
    assert not ScoringJob.objects.exists()
    assert card.technician == people.lucia and card.channel == "telefonico"
    # The hold came from the engine's log with its consent, reason and minutes (HO-2/3/4).
    hold = next(e for e in card.transcript["events"] if e.get("type") == "hold")
    assert hold["customer_consent"] is True and hold["expected_minutes"] == 2.0 and hold["t"] == 40.0
    assert card.transcript["events"][0] == {"t": 0.0, "type": "start", "wait_seconds": 20.0}
    assert card.transcript["events"][-1]["type"] == "end"
    got = statuses(card)
    assert got["HO-3"] == "met" and got["CO-1"] == "met" and got["AL-4"] == "met"
    assert 0 <= card.score <= 100 and card.final_score == card.score and card.scorer_version


def test_scoring_a_contact_twice_keeps_one_card(people, clock):
    call = run_call(people, clock, turns=GOOD_TURNS)
    run_pending_scoring()
    first = Scorecard.objects.get(contact=call)
    again = services.score_contact(contact=call)
    call.save()  # another save of the ended contact stores a job again: the worker finds the card
    assert ScoringJob.objects.filter(contact=call).count() == 1
    assert run_pending_scoring() == 1
    assert again.pk == first.pk and Scorecard.objects.filter(contact=call).count() == 1
    assert not ScoringJob.objects.exists()


def test_a_failing_scorer_never_stops_the_call_from_ending(people, clock, django_capture_on_commit_callbacks,
                                                           monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("scorer exploded")

    monkeypatch.setattr(scoring, "score_transcript", broken)
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        call = run_call(people, clock, turns=GOOD_TURNS)
    assert call.state == ContactState.ENDED
    assert run_pending_scoring() == 0
    assert not Scorecard.objects.filter(contact=call).exists()
    assert "scoring contact" in caplog.text
    assert "scorer exploded" in ScoringJob.objects.get(contact=call).last_error  # kept to be tried again


# Rules a call's events show (the console's hold with reason, consent and minutes; the call policies).
EVENT_RULES = ("HO-2", "HO-3", "HO-4", "HO-7", "DN-11", "PO-1", "PO-2")
# Rules only the words show.
WORD_RULES = ("SP-2", "SP-3", "SP-4", "CO-1", "CO-2", "CO-3", "AL-1", "AL-2", "AL-3", "AL-4", "AL-5",
              "HO-1", "HO-6", "DN-1", "DN-2", "DN-3", "DN-8", "DN-9", "PT-1", "PT-3", "PT-4", "PO-5")


def test_a_call_handled_in_the_console_without_words_is_scored_on_its_events(client, people, clock,
                                                                           django_capture_on_commit_callbacks):
    """Issue 22, item 19: no transcript turns, still a card: event rules judged, word rules n/a (never missed)."""
    with django_capture_on_commit_callbacks(execute=True):
        call = run_call(people, clock, turns=None)
    assert not ContactTranscript.objects.filter(contact=call).exists()
    assert ScoringJob.objects.filter(contact=call).exists()  # ending the call stored its job
    assert run_pending_scoring() == 1 and not ScoringJob.objects.exists()
    card = Scorecard.objects.get(contact=call)
    assert card.technician == people.lucia and card.channel == "telefonico"
    assert not [e for e in card.transcript["events"] if "speaker" in e]
    got = statuses(card)
    assert {rule: got[rule] for rule in EVENT_RULES} == dict.fromkeys(EVENT_RULES, "met")
    assert {rule: got[rule] for rule in WORD_RULES} == dict.fromkeys(WORD_RULES, "n/a")
    assert got["HO-5"] == "n/a" and got["TR-3"] == "n/a"  # back within the announced minutes; no transfer
    assert card.score == 100 and not card.coaching["es"]
    notes = {i["rule"]: i["note"] for i in card.items}
    assert notes["AL-4"] == "no words in this transcript: this rule needs what was said"
    assert notes["HO-3"] == "no words in this transcript: judged on the call's events only"
    # The page says so, in Spanish, and lists the word rules as not applicable.
    client.force_login(people.marta)
    page = client.get(f"/calidad/{card.pk}/").content.decode()
    assert "Llamada sin transcripción" in page and "la transcripción no tiene palabras" in page

    # The telephony side sends the words later, with its own token: the call is scored again on them.
    response = client.post(f"/api/v1/scorecards/contacts/{call.pk}/transcript",
                           {"turns": GOOD_TURNS, "customer": {"name": "Ana Pérez"}},
                           content_type="application/json", headers=bearer(people.admin, kind="cti"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["turns"] == len(GOOD_TURNS) and body["scorecard"] == card.pk
    card.refresh_from_db()
    assert statuses(card)["AL-4"] == "met" and statuses(card)["CO-1"] == "met"


def test_a_console_call_that_breaks_event_rules_misses_them_without_words(people, clock):
    """The events alone are enough to miss a rule: a call over the queue's maximum time (PO-1), a wait over the
    maximum (PO-2), a hold that ran far past its announced minutes (HO-5)."""
    from atiende.contact.services import calls, routing

    routed = routing.create_contact(queue="soporte", caller="+34600000002")
    clock.advance(4 * 60)  # waited 4 minutes (PO-2: 3)
    calls.answer(contact_id=routed.contact.pk, user=people.lucia)
    calls.put_on_hold(contact_id=routed.contact.pk, user=people.lucia, reason="Consultar el manual del equipo",
                      customer_consent=True, expected_minutes=1)
    clock.advance(6 * 60)  # 6 minutes on a hold announced for 1
    calls.resume(contact_id=routed.contact.pk, user=people.lucia)
    clock.advance(12 * 60)  # 18 minutes in all (PO-1: 15)
    calls.hang_up(contact_id=routed.contact.pk)
    calls.finish_wrap_up(contact_id=routed.contact.pk, user=people.lucia)
    assert run_pending_scoring() == 1
    card = Scorecard.objects.get(contact_id=routed.contact.pk)
    got = statuses(card)
    assert got["PO-1"] == got["PO-2"] == got["HO-5"] == "missed"
    assert got["HO-3"] == "met" and got["AL-1"] == got["HO-6"] == "n/a"
    assert card.score < 100 and card.coaching["es"]


def test_a_call_never_answered_gets_no_card(people, clock, django_capture_on_commit_callbacks):
    from atiende.contact.services import calls, routing

    routed = routing.create_contact(queue="soporte", caller="+34600000003")
    clock.advance(30)
    with django_capture_on_commit_callbacks(execute=True):
        calls.hang_up(contact_id=routed.contact.pk)
    assert run_pending_scoring() == 0
    assert not ScoringJob.objects.exists() and not Scorecard.objects.exists()


def test_only_people_of_the_call_attach_its_transcript(client, people, clock):
    call = run_call(people, clock, end=False)
    url = f"/api/v1/scorecards/contacts/{call.pk}/transcript"
    other = client.post(url, {"turns": GOOD_TURNS}, content_type="application/json", headers=bearer(people.jorge))
    assert other.status_code == 404
    own = client.post(url, {"turns": GOOD_TURNS[:3]}, content_type="application/json", headers=bearer(people.lucia))
    assert own.status_code == 200 and own.json() == {"contact": call.pk, "turns": 3, "scorecard": None}
    back = client.post(url, {"turns": GOOD_TURNS[:1]}, content_type="application/json", headers=bearer(people.lucia))
    assert back.status_code == 400 and back.json()["error"]["code"] == "invalid_transcript"


# ---- uploads: chat, email, walk-in, and the missed cases the engine would refuse live ---

def test_hold_without_consent_is_missed_on_an_uploaded_transcript(client, people):
    response = upload(client, people.lucia, hold_without_consent())
    assert response.status_code == 201, response.content
    items = {i["rule"]: i for i in response.json()["items"]}
    assert items["HO-3"]["status"] == "missed" and items["HO-3"]["coaching"]
    assert items["HO-2"]["status"] == "missed"
    assert response.json()["technician"]["id"] == people.lucia.pk


def test_a_chat_is_scored_and_linked_to_its_work_order(client, people):
    from atiende.desk.models import Customer
    from atiende.desk.services.work_orders import create_work_order

    customer = Customer.objects.create(name="Ana Pérez")
    order = create_work_order(actor=people.lucia, customer=customer, title="Correo en el móvil")
    chat = {
        "channel": "chat", "customer": {"name": "Ana Pérez"},
        "events": [
            {"t": 0, "speaker": "cliente", "text": "Hola, no puedo entrar en el correo desde el móvil."},
            {"t": 30, "speaker": "tecnico", "text": "Buenos días, Ana, soy Lucía. ¿Le aparece algún mensaje?"},
            {"t": 60, "speaker": "cliente", "text": "Dice que la contraseña es incorrecta."},
            {"t": 90, "speaker": "tecnico", "text": "Escríbame por aquí su contraseña y lo miro."},
        ],
    }
    response = upload(client, people.lucia, chat, work_order=order.number)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["channel"] == "chat"
    assert {i["rule"]: i["status"] for i in body["items"]}["NT-3"] == "missed"  # a password asked in writing
    assert body["work_order"] == order.number


# ---- calibration -------------------------------------------------------------------

def test_override_is_kept_and_shown_beside_the_scorers_status(client, people):
    card_id = upload(client, people.lucia, hold_without_consent()).json()["id"]
    before = Scorecard.objects.get(pk=card_id)
    response = client.post(f"/api/v1/scorecards/{card_id}/overrides",
                           {"rule": "HO-7", "status": "met", "comment": "Fue una espera de diez segundos."},
                           content_type="application/json", headers=bearer(people.marta))
    assert response.status_code == 200, response.content
    item = next(i for i in response.json()["items"] if i["rule"] == "HO-7")
    assert item["status"] == "met" and item["scorer_status"] == "missed"
    assert item["overrides"][0]["comment"] == "Fue una espera de diez segundos."
    assert item["overrides"][0]["supervisor"]["id"] == people.marta.pk
    after = Scorecard.objects.get(pk=card_id)
    assert after.score == before.score and after.final_score > before.score  # the scorer's total is kept
    assert next(i for i in after.items if i["rule"] == "HO-7")["status"] == "missed"
    stored = ItemOverride.objects.get(scorecard=after)
    assert (stored.original_status, stored.new_status) == ("missed", "met")
    # The technician sees it on the page, with who and what was said.
    client.force_login(people.lucia)
    page = client.get(f"/calidad/{card_id}/").content.decode()
    assert "Fue una espera de diez segundos." in page and "Marta" in page


def test_only_supervisors_override_and_always_with_a_comment(client, people):
    card_id = upload(client, people.lucia, hold_without_consent()).json()["id"]
    url = f"/api/v1/scorecards/{card_id}/overrides"
    body = {"rule": "HO-3", "status": "met", "comment": "No estoy de acuerdo."}
    by_tech = client.post(url, body, content_type="application/json", headers=bearer(people.lucia))
    assert by_tech.status_code == 403 and by_tech.json()["error"]["rule"] == "ET-4"
    no_comment = client.post(url, {**body, "comment": "  "}, content_type="application/json",
                             headers=bearer(people.marta))
    assert no_comment.status_code == 400 and no_comment.json()["error"]["code"] == "comment_required"
    bad_rule = client.post(url, {**body, "rule": "XX-9"}, content_type="application/json",
                           headers=bearer(people.marta))
    assert bad_rule.status_code == 400 and bad_rule.json()["error"]["code"] == "invalid_rule"
    bad_status = client.post(url, {**body, "status": "quizá"}, content_type="application/json",
                             headers=bearer(people.marta))
    assert bad_status.status_code == 400
    # A supervisor of another team does not even see the card.
    other_team = client.post(url, body, content_type="application/json", headers=bearer(people.pablo))
    assert other_team.status_code == 404
    assert not ItemOverride.objects.exists()


def test_only_the_technician_acknowledges_or_disputes(client, people):
    card_id = upload(client, people.lucia, hold_without_consent()).json()["id"]
    by_supervisor = client.post(f"/api/v1/scorecards/{card_id}/acknowledge", {},
                                content_type="application/json", headers=bearer(people.marta))
    assert by_supervisor.status_code == 403
    bare_dispute = client.post(f"/api/v1/scorecards/{card_id}/dispute", {"comment": ""},
                               content_type="application/json", headers=bearer(people.lucia))
    assert bare_dispute.status_code == 400 and bare_dispute.json()["error"]["code"] == "comment_required"
    disputed = client.post(f"/api/v1/scorecards/{card_id}/dispute", {"comment": "El cliente pidió esperar."},
                           content_type="application/json", headers=bearer(people.lucia))
    assert disputed.status_code == 200
    answers = disputed.json()["acknowledgements"]
    assert [(a["answer"], a["comment"]) for a in answers] == [("disputed", "El cliente pidió esperar.")]
    acknowledged = client.post(f"/api/v1/scorecards/{card_id}/acknowledge", {},
                               content_type="application/json", headers=bearer(people.lucia))
    assert [a["answer"] for a in acknowledged.json()["acknowledgements"]] == ["disputed", "acknowledged"]


# ---- visibility (ET-4) --------------------------------------------------------------

def test_a_technician_cannot_read_another_technicians_scorecard(client, people):
    card_id = upload(client, people.lucia, hold_without_consent()).json()["id"]
    assert client.get(f"/api/v1/scorecards/{card_id}", headers=bearer(people.jorge)).status_code == 404
    assert client.get(f"/api/v1/scorecards/{card_id}", headers=bearer(people.pablo)).status_code == 404
    assert client.get("/api/v1/scorecards", headers=bearer(people.jorge)).json() == []
    for reader in (people.lucia, people.marta, people.admin):
        assert client.get(f"/api/v1/scorecards/{card_id}", headers=bearer(reader)).status_code == 200
    client.force_login(people.jorge)
    assert client.get(f"/calidad/{card_id}/").status_code == 404
    assert client.get(f"/calidad/tecnicos/{people.lucia.pk}/").status_code == 404


def test_technicians_upload_only_their_own_contacts(client, people):
    response = upload(client, people.jorge, hold_without_consent(), technician=people.lucia.pk)
    assert response.status_code == 404 and response.json()["error"]["rule"] == "ET-4"
    by_supervisor = upload(client, people.marta, hold_without_consent(), technician=people.lucia.pk)
    assert by_supervisor.status_code == 201


# ---- redaction (ET-3, NT-3) -----------------------------------------------------------

def test_transcripts_are_stored_redacted(people, clock):
    call = run_call(people, clock, turns=GOOD_TURNS)
    run_pending_scoring()
    card = Scorecard.objects.get(contact=call)
    with connection.cursor() as cursor:
        cursor.execute("SELECT transcript, items FROM scorecards_scorecard WHERE id = %s", [card.pk])
        raw_card = " ".join(str(v) for v in cursor.fetchone())
        cursor.execute("SELECT turns FROM scorecards_contacttranscript WHERE contact_id = %s", [call.pk])
        raw_turns = str(cursor.fetchone()[0])
    assert PASSWORD_SAID not in raw_card and PASSWORD_SAID not in raw_turns
    assert "[CONTRASEÑA]" in json.dumps(card.transcript, ensure_ascii=False)
    assert ContactTranscript.objects.get(contact=call).turns[9]["text"].count("[CONTRASEÑA]") == 1


def test_an_uploaded_password_is_redacted_too(client, people):
    transcript = hold_without_consent()
    transcript["events"][7]["text"] = "Vale, gracias. Por cierto, la contraseña: Secreto99zz"
    card_id = upload(client, people.lucia, transcript).json()["id"]
    assert "Secreto99zz" not in json.dumps(Scorecard.objects.get(pk=card_id).transcript)


# ---- bad input ------------------------------------------------------------------------

@pytest.mark.parametrize(("transcript", "field"), [
    ({"channel": "fax", "customer": {"name": "A"}, "events": [{"t": 0, "type": "start"}]}, "channel"),
    ({"channel": "chat", "customer": {"name": "A"}, "events": []}, "events"),
    ({"channel": "chat", "customer": {"name": "A"}, "events": [{"t": 5, "speaker": "tecnico", "text": "Hola"},
                                                                {"t": 1, "speaker": "cliente", "text": "Hola"}]},
     "events[1].t"),
    ({"channel": "chat", "customer": {"name": "A"}, "events": [{"t": 0, "speaker": "robot", "text": "x"}]},
     "events[0].speaker"),
    ({"channel": "chat", "events": [{"t": 0, "speaker": "cliente", "text": "x"}]}, "customer"),
])
def test_a_malformed_transcript_is_a_400_naming_the_field(client, people, transcript, field):
    response = upload(client, people.lucia, transcript)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["field"] == field
    assert not Scorecard.objects.exists()


def test_other_bad_requests_are_4xx(client, people, clock):
    assert client.post("/api/v1/scorecards", {"transcript": "texto"}, content_type="application/json",
                       headers=bearer(people.lucia)).status_code == 422
    assert client.post("/api/v1/scorecards", "{no json", content_type="application/json",
                       headers=bearer(people.lucia)).status_code in (400, 422)
    assert client.get("/api/v1/scorecards/999999", headers=bearer(people.lucia)).status_code == 404
    assert client.get("/api/v1/scorecards").status_code == 401
    assert upload(client, people.lucia, hold_without_consent(), work_order=424242).status_code == 404
    assert client.post("/api/v1/scorecards/contacts/999999/transcript", {"turns": GOOD_TURNS},
                       content_type="application/json", headers=bearer(people.lucia)).status_code == 404
    call = run_call(people, clock, end=False)
    url = f"/api/v1/scorecards/contacts/{call.pk}/transcript"
    for turns in ([], [{"t": -1, "speaker": "tecnico", "text": "Hola"}], [{"t": 1, "speaker": "tecnico"}],
                  [{"t": 1, "speaker": "jefe", "text": "Hola"}], [{"t": 3, "speaker": "cliente", "text": "a", "end": 1}]):
        response = client.post(url, {"turns": turns}, content_type="application/json", headers=bearer(people.lucia))
        assert response.status_code == 400, (turns, response.content)
    bad_trend = client.get(f"/api/v1/scorecards/technicians/{people.lucia.pk}/trend?period=month",
                           headers=bearer(people.marta))
    assert bad_trend.status_code == 400
    from atiende.people.models import User

    customer = User.objects.create_user("cliente1", role="cliente")
    assert client.get("/api/v1/scorecards", headers=bearer(customer)).status_code == 403


# ---- trends ---------------------------------------------------------------------------

def test_trends_per_week_and_per_rule_use_the_calibrated_cards(client, people):
    first = upload(client, people.lucia, hold_without_consent()).json()["id"]
    upload(client, people.lucia, hold_without_consent())
    client.post(f"/api/v1/scorecards/{first}/overrides",
                {"rule": "HO-3", "status": "met", "comment": "El cliente lo pidió antes de grabar."},
                content_type="application/json", headers=bearer(people.marta))
    response = client.get(f"/api/v1/scorecards/technicians/{people.lucia.pk}/trend", headers=bearer(people.marta))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["cards"] == 2 and sum(p["cards"] for p in body["periods"]) == 2
    rates = {r["rule"]: r for r in body["rules"]}
    assert (rates["HO-3"]["met"], rates["HO-3"]["missed"], rates["HO-3"]["rate"]) == (1, 1, 0.5)
    by_day = client.get(f"/api/v1/scorecards/technicians/{people.lucia.pk}/trend?period=day",
                        headers=bearer(people.lucia)).json()
    assert by_day["period"] == "day" and by_day["cards"] == 2
    assert client.get(f"/api/v1/scorecards/technicians/{people.lucia.pk}/trend",
                      headers=bearer(people.jorge)).status_code == 404


# ---- pages ----------------------------------------------------------------------------

def test_the_card_page_marks_the_evidence_in_the_transcript(client, people, clock):
    call = run_call(people, clock, turns=GOOD_TURNS)
    run_pending_scoring()
    card = Scorecard.objects.get(contact=call)
    client.force_login(people.marta)
    page = client.get(f"/calidad/{card.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<mark" in html and "Si le he entendido bien" in html
    # The paraphrase is marked as the evidence of AL-4, the hold event as that of HO-3.
    rows = page.context["transcript"]
    paraphrase = next(r for r in rows if r.speaker and any("Si le he entendido" in s.text for s in r.segments))
    assert "AL-4" in paraphrase.rules
    assert "HO-3" in next(r for r in rows if r.kind == "espera").rules
    assert f'action="/calidad/{card.pk}/correccion/"' in html  # the supervisor's override form
    assert 'value="disputed"' not in html  # only the technician answers
    client.force_login(people.lucia)
    own = client.get(f"/calidad/{card.pk}/").content.decode()
    assert 'value="disputed"' in own and "correccion" not in own


def test_override_and_answer_through_the_pages(client, people):
    card_id = upload(client, people.lucia, hold_without_consent()).json()["id"]
    client.force_login(people.marta)
    missing = client.post(f"/calidad/{card_id}/correccion/", {"rule": "HO-7", "status": "met", "comment": ""})
    assert missing.status_code == 302 and not ItemOverride.objects.exists()
    saved = client.post(f"/calidad/{card_id}/correccion/", {"rule": "HO-7", "status": "met",
                                                           "comment": "Espera breve."})
    assert saved.status_code == 302 and ItemOverride.objects.get().comment == "Espera breve."
    assert client.post(f"/calidad/{card_id}/respuesta/", {"answer": "acknowledged"}).status_code == 403
    client.force_login(people.lucia)
    assert client.post(f"/calidad/{card_id}/correccion/", {"rule": "HO-7", "status": "missed",
                                                          "comment": "x"}).status_code == 403
    assert client.post(f"/calidad/{card_id}/respuesta/", {"answer": "acknowledged"}).status_code == 302
    trend = client.get(f"/calidad/tecnicos/{people.lucia.pk}/")
    assert trend.status_code == 200 and "<svg" in trend.content.decode()
    listed = client.get("/calidad/")
    assert listed.status_code == 200
    assert [row.last_answer for row in listed.context["rows"]] == ["acknowledged"]  # her answer is listed


@pytest.mark.django_db(transaction=True)
def test_a_call_ending_for_real_is_scored_by_the_worker_after_its_commit(people, clock):
    # No captured callbacks here: the ending really commits, and nothing scores it in this process.
    import threading

    from atiende.cli.worker import run_loop

    call = run_call(people, clock, turns=GOOD_TURNS)
    assert call.state == ContactState.ENDED
    assert not Scorecard.objects.filter(contact=call).exists()

    class OneRound(threading.Event):
        def wait(self, timeout=None):
            self.set()
            return True

    run_loop(OneRound(), name="demo", interval=0.01)  # one round of the worker (`atiende demo` runs this loop)
    card = Scorecard.objects.get(contact=call)
    assert card.technician == people.lucia and statuses(card)["HO-3"] == "met"
    assert not ScoringJob.objects.exists()


@pytest.mark.parametrize("channel", ["presencial", "email"])
def test_walk_in_notes_and_email_threads_are_scored_on_upload(client, people, channel):
    transcript = {
        "channel": channel, "customer": {"name": "Rosa Gil"},
        "events": [
            {"t": 0, "speaker": "cliente", "text": "Buenos días. El portátil no se conecta a la wifi de la oficina "
                                                  "desde que lo actualicé ayer por la tarde."},
            {"t": 60, "speaker": "tecnico", "text": "Buenos días, Rosa, soy Lucía. Entiendo. Si le he entendido "
                                                   "bien, desde la actualización no conecta, ¿es así?"},
            {"t": 120, "speaker": "cliente", "text": "Sí."},
            {"t": 180, "speaker": "tecnico", "text": "La actualización borró la red guardada; ya la he añadido de "
                                                    "nuevo y conecta. Gracias por avisarnos, Rosa. Un saludo."},
        ],
    }
    response = upload(client, people.lucia, transcript)
    assert response.status_code == 201, response.content
    body = response.json()
    statuses_ = {i["rule"]: i["status"] for i in body["items"]}
    assert body["channel"] == channel and statuses_["CO-1"] == "met"
    assert statuses_["AL-3"] == "n/a" if channel == "email" else statuses_["AL-3"] in ("met", "missed")


def test_the_card_of_a_call_is_found_by_its_contact_and_frozen_once_reviewed(client, people, clock):
    call = run_call(people, clock, turns=GOOD_TURNS)
    run_pending_scoring()
    card = client.get(f"/api/v1/scorecards/contacts/{call.pk}", headers=bearer(people.lucia))
    assert card.status_code == 200 and card.json()["contact"] == call.pk
    assert client.get(f"/api/v1/scorecards/contacts/{call.pk}", headers=bearer(people.jorge)).status_code == 404
    listed = client.get(f"/api/v1/scorecards?technician={people.lucia.pk}", headers=bearer(people.marta)).json()
    assert [row["id"] for row in listed] == [card.json()["id"]]
    # More words before anyone reviewed the card: it is scored again, still one card.
    more = [{"t": 135, "speaker": "tecnico", "text": "Adiós, Ana."}]
    again = client.post(f"/api/v1/scorecards/contacts/{call.pk}/transcript", {"turns": more},
                        content_type="application/json", headers=bearer(people.lucia))
    assert again.status_code == 200 and again.json()["scorecard"] == card.json()["id"]
    client.post(f"/api/v1/scorecards/{card.json()['id']}/acknowledge", {}, content_type="application/json",
                headers=bearer(people.lucia))
    frozen = client.post(f"/api/v1/scorecards/contacts/{call.pk}/transcript",
                         {"turns": [{"t": 140, "speaker": "cliente", "text": "Adiós."}]},
                         content_type="application/json", headers=bearer(people.lucia))
    assert frozen.status_code == 409 and frozen.json()["error"]["code"] == "scorecard_calibrated"
    assert Scorecard.objects.filter(contact=call).count() == 1


def test_a_call_whose_wrap_up_runs_out_is_scored_too(people, clock):
    # Nobody presses "finish": the stored wrap-up deadline ends the contact (a worker fires it, then scores it).
    from atiende.contact.services import deadlines

    call = run_call(people, clock, turns=GOOD_TURNS, end=False)
    clock.advance(60)
    deadlines.run_due_deadlines(worker="test")
    run_pending_scoring(worker="test")
    call.refresh_from_db()
    assert call.state == ContactState.ENDED
    assert Scorecard.objects.get(contact=call).technician == people.lucia


def test_turns_are_kept_when_the_scorer_fails_on_them(client, people, clock, monkeypatch):
    call = run_call(people, clock, turns=None)

    def broken(*args, **kwargs):
        raise RuntimeError("scorer exploded")

    monkeypatch.setattr(scoring, "score_transcript", broken)
    response = client.post(f"/api/v1/scorecards/contacts/{call.pk}/transcript", {"turns": GOOD_TURNS},
                           content_type="application/json", headers=bearer(people.lucia))
    assert response.status_code == 200 and response.json()["scorecard"] is None
    assert len(ContactTranscript.objects.get(contact=call).turns) == len(GOOD_TURNS)
