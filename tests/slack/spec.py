"""Every Web API call copbot makes, checked against Slack's OpenAPI spec (Swagger 2.0).

The spec was last regenerated in 2020. What Slack added since and copbot uses is listed in
`NEWER_THAN_SPEC`, the one place that says so: a method missing from the spec, or a
parameter a method doesn't declare, is a violation unless it is listed there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC = Path(__file__).parents[1] / "specs" / "slack-web-openapi-v2.json"  # SOURCES.md there

NEWER_THAN_SPEC: dict[str, frozenset[str]] = {
    "apps.connections.open": frozenset(),  # Socket Mode (2021)
    "files.getUploadURLExternal": frozenset({"filename", "length", "alt_txt", "snippet_type"}),
    "files.completeUploadExternal": frozenset(
        {"files", "channel_id", "channels", "initial_comment", "thread_ts"}
    ),
    "chat.postMessage": frozenset({"metadata"}),  # message metadata (2022)
    "conversations.history": frozenset({"include_all_metadata"}),
    "oauth.v2.access": frozenset({"grant_type", "refresh_token"}),  # token rotation (2021)
}
# Required in the spec, but not in a call made the newer way: a token refreshed by its
# refresh token has no OAuth code.
NOT_REQUIRED_WHEN: dict[tuple[str, str], tuple[str, str]] = {
    ("oauth.v2.access", "code"): ("grant_type", "refresh_token"),
}
# bolt's per-request client sends `team_id` with every call (for org-wide apps, 2020).
ANY_METHOD = frozenset({"team_id"})


# The fake's answers checked against the spec's success schema too: where the adapter reads
# what it answers (more are left unchecked, the 2020 schemas lagging what Slack sends now).
ANSWERS_CHECKED = frozenset({"chat.getPermalink"})


@cache
def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(SPEC.read_text(encoding="utf-8"))
    return spec


def _paths() -> dict[str, Any]:
    paths: dict[str, Any] = _spec()["paths"]
    return paths


@cache
def _answer_check(method: str) -> Draft4Validator:
    registry = Registry().with_resource(
        "urn:slack-web", Resource(contents=_spec(), specification=DRAFT4)
    )
    (verb,) = _paths()[f"/{method}"]
    where = f"urn:slack-web#/paths/~1{method}/{verb}/responses/200/schema"
    return Draft4Validator({"$ref": where}, registry=registry)


def answer_violations(method: str, body: Mapping[str, Any]) -> list[str]:
    """What is wrong with a successful answer of a method in `ANSWERS_CHECKED`."""
    if method not in ANSWERS_CHECKED or not body.get("ok"):
        return []
    return [f"{method} answered: {e.message}" for e in _answer_check(method).iter_errors(body)]


def violations(
    method: str, verb: str, params: Mapping[str, Any], authorization: str | None
) -> list[str]:
    """What is wrong with one call: unknown method or parameter, a missing required one, a
    value of the wrong type, no token."""
    newer = NEWER_THAN_SPEC.get(method, frozenset()) | ANY_METHOD
    operations = _paths().get(f"/{method}")
    if operations is None:
        if method in NEWER_THAN_SPEC:
            return [f"{method}: {p} is not a known parameter" for p in params if p not in newer]
        return [f"{method}: not in the spec"]
    if verb.lower() not in operations and len(operations) != 1:
        return [f"{method}: {verb} is not one of {sorted(operations)}"]
    # The spec lists some methods as GET that slack_sdk POSTs; Slack accepts either.
    operation = operations.get(verb.lower()) or next(iter(operations.values()))
    declared = {p["name"]: p for p in operation["parameters"]}
    problems = []
    if not authorization and "token" not in params:
        problems.append(f"{method}: no token")
    for name, value in params.items():
        if name == "token":
            continue
        if name not in declared:
            if name not in newer:
                problems.append(f"{method}: {name} is not a parameter")
            continue
        expected = declared[name].get("type", "string")
        if not _fits(expected, value):
            problems.append(f"{method}: {name}={value!r:.60} is not a {expected}")
    for name, parameter in declared.items():
        unless = NOT_REQUIRED_WHEN.get((method, name))
        excused = unless is not None and params.get(unless[0]) == unless[1]
        if parameter.get("required") and name != "token" and name not in params and not excused:
            problems.append(f"{method}: required {name} is missing")
    return problems


def _fits(expected: str, value: Any) -> bool:
    if expected == "boolean":
        return isinstance(value, bool) or str(value).lower() in ("true", "false", "1", "0")
    if expected == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or str(value).isdigit()
    if expected == "number":
        try:
            float(str(value))
        except ValueError:
            return False
        return not isinstance(value, bool)
    # Strings: JSON arguments (blocks, view) are strings in a form and objects in JSON.
    return isinstance(value, str | list | dict)
