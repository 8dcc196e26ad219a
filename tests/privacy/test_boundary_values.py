"""Boundary values over the whole API, every operation of /api/v1/openapi.json (issue 22).

Schemathesis (test_schemathesis.py) samples the schema at random; this sweep sends, deterministically,
the values an outside probe found to break the API: integers past 64 bits in every integer path and
query parameter and in every top-level number of a JSON body, 1e308, NUL characters, and text that
hides its direction or is invisible. Every answer must be a 4xx (or a success) in the API's JSON error
format, never a 500 nor Django's HTML page.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from atiende.desk.models import Customer
from atiende.people.models import ApiToken, Team, User

pytestmark = pytest.mark.django_db(transaction=True)

HUGE_INTEGERS = [2**63, 2**64, -(2**63) - 1, 10**30]
HUGE_NUMBERS = [1e308, -1e308, 2**63]
BAD_TEXT = ["\x00", "a\x00b", "\u202eevil.exe", "\u200b\u200b", "\x07bell"]


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    if "anyOf" in schema:  # Optional[X]: the non-null branch
        branches = [b for b in schema["anyOf"] if b.get("type") != "null"]
        if branches:
            return _resolve(branches[0], spec)
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(schema["allOf"][0], spec)
    return schema


def _filler(schema: dict[str, Any], spec: dict[str, Any]) -> Any:
    schema = _resolve(schema, spec)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    return {"integer": 1, "number": 1, "boolean": False, "array": [], "object": {}}.get(kind, "x")


def _body(operation: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    schema = _resolve(content["application/json"]["schema"], spec)
    properties = schema.get("properties", {})
    return {name: _filler(properties[name], spec) for name in schema.get("required", []) if name in properties}


def _cases(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, str], dict[str, Any] | None, str]]:
    """(method, url, query, body, what) for every boundary value of every operation."""
    cases = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            params = operation.get("parameters", [])
            path_values = {p["name"]: _filler(p.get("schema", {}), spec) for p in params if p["in"] == "path"}
            base_body = _body(operation, spec)

            def url(values: dict[str, Any], path: str = path) -> str:
                return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)

            for p in params:
                kind = _resolve(p.get("schema", {}), spec).get("type")
                values: list[Any] = HUGE_INTEGERS if kind == "integer" else BAD_TEXT[:2] if kind == "string" else []
                for value in values:
                    if p["in"] == "path":
                        cases.append((method, url({**path_values, p["name"]: value}), {}, base_body,
                                      f"path {p['name']}={value!r}"))
                    elif p["in"] == "query":
                        cases.append((method, url(path_values), {p["name"]: str(value)}, base_body,
                                      f"query {p['name']}={value!r}"))
            if base_body is not None:
                content = operation["requestBody"]["content"]["application/json"]["schema"]
                for name, prop in _resolve(content, spec).get("properties", {}).items():
                    kind = _resolve(prop, spec).get("type")
                    values = (HUGE_INTEGERS if kind == "integer" else HUGE_NUMBERS if kind == "number"
                              else BAD_TEXT if kind == "string" else [])
                    for value in values:
                        cases.append((method, url(path_values), {}, {**base_body, name: value},
                                      f"body {name}={value!r}"))
    return cases


def _send(client, method: str, url: str, query: dict[str, str], body: Any, headers: dict[str, str]):
    if query:
        from urllib.parse import urlencode

        url = f"{url}?{urlencode(query)}"
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method)(url, **kwargs)


def test_boundary_values_never_give_a_server_error_nor_an_html_page(client, vault_key):
    admin = User.objects.create_user("ana", password="x-very-long-pass", role="administrador",
                                     is_staff=True, is_superuser=True)
    admin.teams.add(Team.objects.create(name="Redes"))
    Customer.objects.create(name="Carmen Ruiz")
    headers = {"Authorization": f"Bearer {ApiToken.issue(admin)[1]}"}
    spec = client.get("/api/v1/openapi.json").json()
    cases = _cases(spec)
    assert len(cases) > 300, len(cases)
    failures = []
    for method, url, query, body, what in cases:
        try:
            response = _send(client, method, url, query, body, headers)
        except Exception as exc:  # the test client re-raises what a server would turn into a 500
            failures.append(f"{method.upper()} {url} {what}: raised {exc.__class__.__name__}: {exc}"[:300])
            continue
        kind = response.headers.get("Content-Type", "")
        if response.status_code >= 500:
            failures.append(f"{method.upper()} {url} {what}: {response.status_code} {response.content[:200]!r}")
        elif response.status_code >= 400 and not (kind.startswith("application/json")
                                                   and "error" in response.json()):
            failures.append(f"{method.upper()} {url} {what}: {response.status_code} {kind} not the JSON error")
    assert not failures, f"{len(failures)} of {len(cases)}:\n" + "\n".join(failures)
