"""POST /api/v1/analyze on both databases: same JSON as the CLI, clear 4xx on bad input."""

import pytest

from atiende.people.models import ApiToken, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth():
    user = User.objects.create_user("lang_tech", password="x-very-long-pass", role="tecnico")
    _token, raw = ApiToken.issue(user)
    return {"Authorization": f"Bearer {raw}"}


def post(client, body, headers, **extra):
    return client.post("/api/v1/analyze", body, content_type="application/json", headers=headers, **extra)


def test_a_customer_message_is_analysed(client, auth):
    response = post(client, {"text": "¡¡ESTOY HARTA!! mi contraseña es Perro2024", "as": "cliente"}, auth)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"text", "as", "traits", "knowledge_level", "findings", "redacted", "strategy", "paraphrase",
                         "questions"}
    assert body["traits"][0]["id"] == "CT-ENF" and body["redacted"].endswith("[CONTRASEÑA]")
    assert set(body["strategy"]) == {"CT-ENF"} and body["strategy"]["CT-ENF"]["do"]


def test_a_customer_story_gets_the_paraphrase_and_the_questions_with_closed_or_open(client, auth):
    text = "Buenas, mi impresora no imprime desde ayer y me sale un error."
    body = post(client, {"text": text}, auth).json()
    assert body["paraphrase"].startswith("Déjeme ver si comprendo") and "su impresora no imprime" in body["paraphrase"]
    assert body["questions"] and all(set(q) == {"text", "closed"} for q in body["questions"])
    assert {"text": "¿Qué modelo de impresora es?", "closed": False} in body["questions"]  # AL-5: an open question
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["AnalysisOut"]
    assert {"strategy", "paraphrase", "questions"} <= set(schema["properties"])


def test_a_list_of_drafts_gets_a_list_of_analyses(client, auth):
    response = post(client, [{"text": "Eso no es nada.", "as": "tecnico", "level": "basico"},
                             {"text": "Su equipo está listo.", "as": "tecnico", "channel": "email"}], auth)
    assert response.status_code == 200
    first, second = response.json()
    assert [f["rule"] for f in first["findings"]] == ["DN-1"]
    assert {"NT-5", "CO-1"} <= {f["rule"] for f in second["findings"]}


def test_messages_follow_accept_language(client, auth):
    response = post(client, {"text": "Eso no es nada.", "as": "tecnico"}, auth, HTTP_ACCEPT_LANGUAGE="en")
    assert "Minimises" in response.json()["findings"][0]["message"]


@pytest.mark.parametrize("body", [
    {"as": "cliente"},
    {"text": "hola", "as": "supervisor"},
    {"text": "hola", "as": "tecnico", "level": "experto"},
    {"text": 3},
    [],
    [{"text": "x"}] * 201,
    [{"text": "x" * 20_000}] * 11,
])
def test_bad_input_is_a_clear_4xx(client, auth, body):
    response = post(client, body, auth)
    assert 400 <= response.status_code < 500
    assert response.json()["error"]["code"] in {"invalid_input", "empty_batch", "batch_too_large"}


def test_a_body_that_is_not_json_is_a_400(client, auth):
    response = client.post("/api/v1/analyze", "no es json", content_type="application/json", headers=auth)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"


def test_signing_in_is_required(client):
    assert post(client, {"text": "hola"}, {}).status_code == 401
