"""The OpenAPI description says what the server does (issue 13): every refusal of the JSON API is an RFC 9457
problem (`application/problem+json`), documented once as shared responses and referenced by every operation,
in place of FastAPI's default `HTTPValidationError` (which it documents as `application/json`)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM = "application/problem+json"

# The problems any operation of the JSON API may answer, with what each means to a client.
PROBLEM_RESPONSES: dict[str, str] = {
    "400": "The body could not be read: not UTF-8, or not the kind of body the operation takes.",
    "401": "Not signed in: no API token, or one that is wrong, expired or revoked (for /api/v1/me: no child session).",
    "403": "Signed in, but this role may not do this (or the CSRF header of a child session is missing).",
    "404": "Nothing with this id exists, or it is not yours to see.",
    "409": "It clashes with what is saved now (already decided, already taken, not in the right state).",
    "413": "The body is larger than the server takes.",
    "422": "Something sent is not valid: `errors` names each field and what is wrong.",
    "429": "Too many requests: wait for the seconds the Retry-After header says.",
    "503": "The database cannot be reached just now: try again after Retry-After.",
}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details.",
    "type": "object",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string", "description": "A stable identifier of the kind of problem, e.g. /problems/not-found"},
        "title": {"type": "string", "description": "A short summary in the asker's language"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What happened and what to do, in the asker's language"},
        "instance": {"type": "string", "description": "The path that was asked for"},
        "errors": {
            "type": "array",
            "description": "For 422: each field that needs another look",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": "string"}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
}


def _problem_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def describe(app: FastAPI) -> dict[str, Any]:
    """FastAPI's description of the app, with the problem responses documented once and referenced by every
    operation under /api/ (and FastAPI's `HTTPValidationError` replaced by them)."""
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes, tags=app.openapi_tags
    )
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    responses = components.setdefault("responses", {})
    for status, description in PROBLEM_RESPONSES.items():
        responses[f"Problem{status}"] = _problem_response(description)
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for operation in operations.values():
            answers = operation.setdefault("responses", {})
            for status in PROBLEM_RESPONSES:
                answers[status] = {"$ref": f"#/components/responses/Problem{status}"}
    return schema


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
