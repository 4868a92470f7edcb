"""The OpenAPI document describes real answers: every JSON route names the fields of its
success answer, so a client can be written from the document alone."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

# JSON routes whose success answer names no fields, each with the reason.
WITHOUT_MODEL = {
    # Always refused: a published notice is corrected by a new version (篇二 三.1).
    ("patch", "/api/v1/notices/{notice_id}"),
    # Always refused: display names come from the directory (篇二 二.1).
    ("put", "/api/v1/groups/{group_id}/nickname"),
}
JSON = "application/json"


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def success_schemas(doc: dict[str, Any], op: dict[str, Any]) -> list[dict[str, Any]]:
    """The JSON schemas of an operation's 2xx answers (a download or a 204 has none)."""
    return [
        resolve(doc, answer["content"][JSON].get("schema", {}))
        for status, answer in op["responses"].items()
        if status.startswith("2") and JSON in answer.get("content", {})
    ]


def fields(doc: dict[str, Any], schema: dict[str, Any], *path: str) -> set[str]:
    """The properties the schema names, after following ``path`` (a list's items too)."""
    for name in path:
        schema = resolve(doc, schema["properties"][name])
        if schema.get("type") == "array":
            schema = resolve(doc, schema["items"])
    return set(schema.get("properties", {}))


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, ops in doc["paths"].items()
        if path.startswith("/api/v1/") or path == "/healthz"
        for method, op in ops.items()
    ]


def test_every_json_route_names_the_fields_of_its_answer(app_client: TestClient) -> None:
    answer = app_client.get("/api/v1/openapi.json")  # public: no one is signed in
    assert answer.status_code == 200
    doc = answer.json()
    found = operations(doc)
    assert len(found) > 100
    vague = [
        (method, path)
        for method, path, op in found
        if any(not s.get("properties") for s in success_schemas(doc, op))
    ]
    assert sorted(vague) == sorted(WITHOUT_MODEL)


def test_downloads_and_empty_answers_do_not_claim_json(app_client: TestClient) -> None:
    doc = app_client.get("/api/v1/openapi.json").json()
    found = {(method, path): op for method, path, op in operations(doc)}
    ledger = found["get", "/api/v1/notices/{notice_id}/ledger.xlsx"]["responses"]["200"]
    assert list(ledger["content"]) == [
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ]
    assert "content" not in found["post", "/api/v1/notices/{notice_id}/unpin"]["responses"]["204"]


def test_the_message_history_describes_messages_and_their_senders(
    app_client: TestClient,
) -> None:
    doc = app_client.get("/api/v1/openapi.json").json()
    op = doc["paths"]["/api/v1/groups/{group_id}/messages"]
    (page,) = success_schemas(doc, op["get"])
    assert {"messages", "pinned", "held", "last_seq", "read_seq"} <= fields(doc, page)
    assert {"seq", "sender", "body", "created_at"} <= fields(doc, page, "messages")
    assert fields(doc, page, "messages", "sender") == {"person_id", "name"}
    sent = {
        status: resolve(doc, a["content"][JSON]["schema"])
        for status, a in op["post"]["responses"].items()
        if status.startswith("2")
    }
    assert set(sent) == {"200", "201", "202"}
    assert {"status", "message", "notice"} <= fields(doc, sent["201"])


def test_a_list_names_the_fields_of_its_items(app_client: TestClient) -> None:
    doc = app_client.get("/api/v1/openapi.json").json()
    (groups,) = success_schemas(doc, doc["paths"]["/api/v1/groups"]["get"])
    assert {"id", "name", "my_role", "created_at"} <= fields(doc, groups, "items")
    (records,) = success_schemas(doc, doc["paths"]["/api/v1/audit/records"]["get"])
    assert fields(doc, records) == {"total", "items"}
    assert {"seq", "at", "action", "hash"} <= fields(doc, records, "items")
