"""Schema-valid request bodies for every operation of /api/v1/openapi.json (issue 22, item 28).

A sweep that sends ``{}`` is mostly answered by the input validation (400/422), so it never reaches the check
it means to test. These bodies satisfy each operation's documented schema (required fields, types, enums,
lengths, bounds, formats; JSON or multipart), so the answer comes from what the operation does with the
object named in the path.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

Spec = dict[str, Any]


def resolve(schema: dict[str, Any], spec: Spec) -> dict[str, Any]:
    """Follow ``$ref``; ``anyOf`` (Optional[X]) to its first non-null branch; a one-branch ``allOf``."""
    while "$ref" in schema:
        node: Any = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    if "anyOf" in schema:
        branches = [b for b in schema["anyOf"] if b.get("type") != "null"]
        if branches:
            return resolve(branches[0], spec)
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return resolve(schema["allOf"][0], spec)
    return schema


def _string(schema: dict[str, Any]) -> str:
    fmt = schema.get("format")
    if fmt == "date-time":
        return (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0).isoformat()
    if fmt == "date":
        return (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    if fmt == "email":
        return "ana@example.org"
    if fmt in ("uri", "url"):
        return "https://example.org/"
    low, high = int(schema.get("minLength", 1)), int(schema.get("maxLength", 10_000))
    text = "Texto de prueba"
    if len(text) < low:
        text = text + "x" * (low - len(text))
    return text[:high]


def _number(schema: dict[str, Any], kind: str) -> int | float:
    low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
    value: int | float = max(1, low + (1 if "exclusiveMinimum" in schema else 0))
    if "maximum" in schema:
        value = min(value, schema["maximum"])
    return int(value) if kind == "integer" else float(value)


def value_for(schema: dict[str, Any], spec: Spec) -> Any:
    """A value that satisfies ``schema`` (objects with their required properties only)."""
    schema = resolve(schema, spec)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "example" in schema:
        return schema["example"]
    if schema.get("examples"):
        return schema["examples"][0]
    kind = schema.get("type")
    if kind == "string":
        return _string(schema)
    if kind in ("integer", "number"):
        return _number(schema, kind)
    if kind == "boolean":
        return True  # a consent the engine requires (HO-3, TR-3) is the one valid answer there
    if kind == "array":
        return [value_for(schema.get("items", {}), spec) for _ in range(max(1, int(schema.get("minItems", 1))))]
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        return {name: value_for(properties[name], spec) for name in schema.get("required", []) if name in properties}
    return "Texto de prueba"


def request_body(operation: dict[str, Any], spec: Spec, refs: dict[str, Any] | None = None,
                 ) -> tuple[str, Any] | None:
    """("json", body) or ("multipart", fields with files) for an operation that takes a body, else None.

    ``refs``: values for the body's fields that name other objects (``{"work_order": 9000}``), so the body
    names objects that exist."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = value_for(content["application/json"]["schema"], spec)
        if isinstance(body, dict) and refs:
            body.update({k: v for k, v in refs.items() if k in body})
        return "json", body
    if "multipart/form-data" in content:
        schema = resolve(content["multipart/form-data"]["schema"], spec)
        fields: dict[str, Any] = {}
        for name, prop in schema.get("properties", {}).items():
            prop = resolve(prop, spec)
            if prop.get("format") == "binary":
                upload = io.BytesIO(b"registro: disco lleno\n")
                upload.name = "registro.txt"
                fields[name] = upload
            elif name in schema.get("required", []):
                fields[name] = value_for(prop, spec)
        return "multipart", fields
    return None
