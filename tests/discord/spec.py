"""Every REST request checked against Discord's own OpenAPI description (tests/specs).

The one adjustment is the known mismatch SOURCES.md names: the spec types snowflakes as
strings, but Discord accepts integers and discord.py sends some.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC = Path(__file__).parents[1] / "specs" / "discord-openapi.json"  # SOURCES.md there
_URN = "urn:discord-openapi"


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


class DiscordSpec:
    def __init__(self, path: Path = SPEC) -> None:
        spec = json.loads(path.read_text())
        schemas = spec["components"]["schemas"]
        schemas["SnowflakeType"] = {
            "anyOf": [schemas["SnowflakeType"], {"type": "integer", "minimum": 0}]
        }
        self.spec = spec
        self.registry = Registry().with_resource(_URN, Resource(spec, DRAFT202012))
        self._validators: dict[str, Draft202012Validator] = {}
        self._paths: list[tuple[re.Pattern[str], str]] = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", r"[^/]+", p) + "$"), p) for p in spec["paths"]
        ]

    def _validator(self, pointer: str) -> Draft202012Validator:
        if pointer not in self._validators:
            self._validators[pointer] = Draft202012Validator(
                {"$ref": _URN + pointer}, registry=self.registry
            )
        return self._validators[pointer]

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        """The spec's path template and operation for a concrete request, or None."""
        matches = [t for pattern, t in self._paths if pattern.match(path)]
        # A literal segment (`@me`, `@original`) beats a parameter.
        matches.sort(key=lambda t: t.count("{"))
        for template in matches:
            operation = self.spec["paths"][template].get(method.lower())
            if operation is not None:
                return template, operation
        return None

    def check(
        self, method: str, path: str, query: dict[str, str], content_type: str, body: Any
    ) -> list[str]:
        """What is wrong with this request, per the spec (nothing: an empty list)."""
        found = self.operation(method, path)
        if found is None:
            return [f"{method} {path}: no such operation in the spec"]
        template, operation = found
        problems = []
        declared = {
            p["name"]
            for p in operation.get("parameters", [])
            + self.spec["paths"][template].get("parameters", [])
            if p.get("in") == "query"
        }
        for name in query:
            if name not in declared:
                problems.append(f"{method} {template}: undeclared query parameter {name!r}")
        request_body = operation.get("requestBody")
        if request_body is None:
            if body not in (None, b"", ""):
                problems.append(f"{method} {template}: a body where the spec expects none")
            return problems
        if body is None:
            if request_body.get("required"):
                problems.append(f"{method} {template}: the required body is missing")
            return problems
        kind = content_type if content_type in request_body["content"] else None
        if kind is None:
            return [*problems, f"{method} {template}: content type {content_type!r} not allowed"]
        pointer = "/".join(
            [
                "#/paths",
                _escape(template),
                method.lower(),
                "requestBody/content",
                _escape(kind),
                "schema",
            ]
        )
        for error in self._validator(pointer).iter_errors(body):
            where = "/".join(str(p) for p in error.absolute_path) or "(body)"
            problems.append(f"{method} {template}: {where}: {error.message[:300]}")
        return problems
