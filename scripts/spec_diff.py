"""What Faraday's published OpenAPI document has that our openapi.yaml does not.

    python scripts/spec_diff.py UPSTREAM [--ours openapi.yaml] [--allow]

UPSTREAM is a path or an http(s) URL of Faraday's whole document (JSON or YAML;
Faraday publishes it as api.json). Only the webhook part is compared: operations
tagged ``webhooks`` or under ``/webhook_endpoints``, every schema they reach
through ``$ref``, and the delivery schemas (``Webhook*``). Each difference is
printed as additive or breaking *for this package's users* (a field upstream
removed would disappear from our models: breaking; a new optional one: additive),
and descriptions only where both documents have one and they differ. Wording
and examples written only in our document are not drift.

Exits 1 when openapi.yaml lacks something upstream has (any additive or breaking
difference), unless --allow; 0 otherwise. Both documents are validated first with
openapi-spec-validator; ``$ref`` lookups use ``referencing`` (jsonschema's).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import httpx
import yaml
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parent.parent
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SCHEMA_PREFIX = "#/components/schemas/"
ADDITIVE, BREAKING, DESCRIPTION = "additive", "breaking", "description"
REQUEST, RESPONSE = frozenset({"request"}), frozenset({"response"})


@attrs.frozen(order=True)
class Change:
    """One difference: where, what, and what it means for this package's users."""

    where: str
    what: str
    kind: str

    def line(self) -> str:
        return f"  {self.kind:<11} {self.where}: {self.what}"


def load(source: str) -> dict[str, Any]:
    """A document from a path or an http(s) URL, JSON or YAML."""
    if re.match(r"^https?://", source):
        response = httpx.get(source, follow_redirects=True, timeout=60)
        response.raise_for_status()
        text = response.text
    else:
        text = Path(source).read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    if not isinstance(document, dict):
        raise ValueError(f"{source} is not an OpenAPI document")
    return document


def _path_key(path: str) -> str:
    """A path with its parameters' names removed: /a/{id} and /a/{other} are one path."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def webhook_operations(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``METHOD /path`` -> the operation (with the path's own parameters merged in)."""
    found = {}
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            if "webhooks" in operation.get("tags", []) or path.startswith("/webhook_endpoints"):
                merged = dict(operation)
                merged["parameters"] = [
                    *item.get("parameters", []),
                    *operation.get("parameters", []),
                ]
                found[f"{method.upper()} {_path_key(path)}"] = merged
    return found


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        reference = node.get("$ref")
        if isinstance(reference, str) and reference.startswith(SCHEMA_PREFIX):
            yield reference.removeprefix(SCHEMA_PREFIX)
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


class Document:
    """One side of the comparison: its webhook operations and the schemas they reach."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self.resolver = Registry().with_resource("urn:spec", resource).resolver("urn:spec")
        self.operations = webhook_operations(document)
        schemas = document.get("components", {}).get("schemas", {})
        # What each schema is used for: a new required field breaks a request, a field
        # turned optional breaks a response. Delivery schemas are read, as responses are.
        self.roles: dict[str, set[str]] = {}
        for name in schemas:
            if name.startswith("Webhook"):
                self._reach(name, "response")
        for operation in self.operations.values():
            for parameter in operation["parameters"]:
                self._reach_all(self.resolve(parameter), "request")
            self._reach_all(self.resolve(operation.get("requestBody") or {}), "request")
            for answer in operation.get("responses", {}).values():
                self._reach_all(self.resolve(answer), "response")
        self.schemas = {name: self.resolve({"$ref": SCHEMA_PREFIX + name}) for name in self.roles}

    def _reach_all(self, node: Any, role: str) -> None:
        for name in _refs(node):
            self._reach(name, role)

    def _reach(self, name: str, role: str) -> None:
        """``name`` and every schema it reaches, transitively, are used in ``role``."""
        roles = self.roles.setdefault(name, set())
        if role in roles:
            return
        roles.add(role)
        self._reach_all(self.resolve({"$ref": SCHEMA_PREFIX + name}), role)

    def resolve(self, node: Any) -> Any:
        """``node`` with a top-level ``$ref`` (to parameters, responses, schemas) followed."""
        seen = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 20:
            node = self.resolver.lookup("urn:spec" + node["$ref"]).contents
            seen += 1
        return node


def _type(schema: Mapping[str, Any]) -> str:
    if "$ref" in schema:
        return "$ref " + str(schema["$ref"]).removeprefix(SCHEMA_PREFIX)
    kind = schema.get("type", "any")
    shown = "/".join(kind) if isinstance(kind, list) else str(kind)
    if "format" in schema:
        shown += f" ({schema['format']})"
    if kind == "array":
        shown += " of " + _type(schema.get("items") or {})
    for combiner in ("anyOf", "oneOf", "allOf"):
        if combiner in schema:
            shown += f" {combiner}[" + ", ".join(_type(s) for s in schema[combiner]) + "]"
    return shown


@attrs.define
class Comparison:
    """The walk over both documents, collecting ``Change``s."""

    ours: Document
    upstream: Document
    changes: list[Change] = attrs.field(factory=list)

    def add(self, where: str, what: str, kind: str) -> None:
        self.changes.append(Change(where, what, kind))

    def run(self) -> list[Change]:
        self.compare_operations()
        for name in sorted(set(self.ours.schemas) | set(self.upstream.schemas)):
            if name not in self.upstream.schemas:
                self.add(f"schema {name}", "only in openapi.yaml (removed upstream)", BREAKING)
            elif name not in self.ours.schemas:
                self.add(f"schema {name}", "new upstream", ADDITIVE)
            else:
                roles = frozenset(self.ours.roles[name] | self.upstream.roles[name])
                self.compare_schema(
                    name, self.ours.schemas[name], self.upstream.schemas[name], roles
                )
        return sorted(set(self.changes))

    def compare_operations(self) -> None:
        ours, upstream = self.ours.operations, self.upstream.operations
        for key in sorted(set(ours) | set(upstream)):
            if key not in upstream:
                self.add(
                    key, f"operation {ours[key].get('operationId')} removed upstream", BREAKING
                )
            elif key not in ours:
                operation_id = upstream[key].get("operationId")
                self.add(key, f"operation {operation_id} new upstream", ADDITIVE)
            else:
                self.compare_operation(key, ours[key], upstream[key])

    def compare_operation(self, key: str, ours: dict[str, Any], upstream: dict[str, Any]) -> None:
        if ours.get("operationId") != upstream.get("operationId"):
            was, now = ours.get("operationId"), upstream.get("operationId")
            self.add(key, f"operationId {was} is now {now}", BREAKING)
        self.compare_description(key, ours, upstream)
        self.compare_parameters(key, ours["parameters"], upstream["parameters"])
        ours_body = self.ours.resolve(ours.get("requestBody") or {})
        upstream_body = self.upstream.resolve(upstream.get("requestBody") or {})
        if ours_body or upstream_body:
            self.compare_content(f"{key} request body", ours_body, upstream_body, REQUEST)
        ours_statuses = {str(s): a for s, a in ours.get("responses", {}).items()}
        upstream_statuses = {str(s): a for s, a in upstream.get("responses", {}).items()}
        for status in sorted(set(ours_statuses) | set(upstream_statuses)):
            where = f"{key} response {status}"
            if status not in upstream_statuses:
                self.add(where, "no longer documented upstream", BREAKING)
            elif status not in ours_statuses:
                self.add(where, "new upstream", ADDITIVE)
            else:
                self.compare_content(
                    where,
                    self.ours.resolve(ours_statuses[status]),
                    self.upstream.resolve(upstream_statuses[status]),
                    RESPONSE,
                )

    def compare_parameters(self, key: str, ours: list[Any], upstream: list[Any]) -> None:
        def by_name(document: Document, parameters: list[Any]) -> dict[str, dict[str, Any]]:
            resolved = [document.resolve(p) for p in parameters]
            return {f"{p.get('in')} {p.get('name')}": p for p in resolved if isinstance(p, dict)}

        mine, theirs = by_name(self.ours, ours), by_name(self.upstream, upstream)
        for name in sorted(set(mine) | set(theirs)):
            where = f"{key} parameter {name}"
            if name not in theirs:
                self.add(where, "removed upstream", BREAKING)
            elif name not in mine:
                required = theirs[name].get("required", False)
                self.add(
                    where,
                    "new upstream" + (" (required)" if required else ""),
                    BREAKING if required else ADDITIVE,
                )
            else:
                if bool(mine[name].get("required")) != bool(theirs[name].get("required")):
                    now = "required" if theirs[name].get("required") else "optional"
                    self.add(
                        where, f"now {now} upstream", BREAKING if now == "required" else ADDITIVE
                    )
                self.compare_schema(
                    where,
                    mine[name].get("schema") or {},
                    theirs[name].get("schema") or {},
                    REQUEST,
                )

    def compare_content(
        self,
        where: str,
        ours: Mapping[str, Any],
        upstream: Mapping[str, Any],
        roles: frozenset[str],
    ) -> None:
        self.compare_description(where, ours, upstream)
        mine, theirs = ours.get("content") or {}, upstream.get("content") or {}
        for media in sorted(set(mine) | set(theirs)):
            here = f"{where} {media}"
            if media not in theirs:
                self.add(here, "media type removed upstream", BREAKING)
            elif media not in mine:
                self.add(here, "media type new upstream", ADDITIVE)
            else:
                self.compare_schema(
                    here,
                    mine[media].get("schema") or {},
                    theirs[media].get("schema") or {},
                    roles=roles,
                )

    def compare_description(
        self, where: str, ours: Mapping[str, Any], upstream: Mapping[str, Any]
    ) -> None:
        # Only where both say something: wording written only in our document is ours.
        mine, theirs = ours.get("description"), upstream.get("description")
        if (
            isinstance(mine, str)
            and isinstance(theirs, str)
            and " ".join(mine.split()) != " ".join(theirs.split())
        ):
            self.add(
                where, f"description upstream: {' '.join(theirs.split())[:200]!r}", DESCRIPTION
            )

    def compare_schema(
        self,
        where: str,
        ours: Mapping[str, Any],
        upstream: Mapping[str, Any],
        roles: frozenset[str],
    ) -> None:
        """Type, format, enum, required-ness and properties; named schemas are compared once."""
        if "$ref" in ours or "$ref" in upstream:
            if ours.get("$ref") != upstream.get("$ref"):
                self.add(where, f"was {_type(ours)}, upstream {_type(upstream)}", BREAKING)
            return
        if _type(ours).split(" anyOf")[0] != _type(upstream).split(" anyOf")[0]:
            self.add(where, f"type was {_type(ours)}, upstream {_type(upstream)}", BREAKING)
        self.compare_description(where, ours, upstream)
        mine_enum, their_enum = ours.get("enum"), upstream.get("enum")
        if mine_enum is not None or their_enum is not None:
            mine_values, their_values = set(mine_enum or []), set(their_enum or [])
            for value in sorted(their_values - mine_values, key=str):
                self.add(where, f"enum value {value!r} new upstream", ADDITIVE)
            for value in sorted(mine_values - their_values, key=str):
                self.add(where, f"enum value {value!r} removed upstream", BREAKING)
        for combiner in ("anyOf", "oneOf", "allOf"):
            mine_options, their_options = ours.get(combiner) or [], upstream.get(combiner) or []
            for position in range(max(len(mine_options), len(their_options))):
                here = f"{where} {combiner}[{position}]"
                if position >= len(their_options):
                    self.add(here, "removed upstream", BREAKING)
                elif position >= len(mine_options):
                    self.add(here, f"{_type(their_options[position])} new upstream", ADDITIVE)
                else:
                    self.compare_schema(
                        here, mine_options[position], their_options[position], roles=roles
                    )
        if ours.get("type") == "array" or upstream.get("type") == "array":
            self.compare_schema(
                f"{where}[]",
                ours.get("items") or {},
                upstream.get("items") or {},
                roles=roles,
            )
        self.compare_properties(where, ours, upstream, roles=roles)
        for bound in ("maxItems", "minItems", "maxLength", "minLength", "maximum", "minimum"):
            if ours.get(bound) != upstream.get(bound):
                self.add(
                    where,
                    f"{bound} was {ours.get(bound)}, upstream {upstream.get(bound)}",
                    ADDITIVE if upstream.get(bound) is None else BREAKING,
                )

    def compare_properties(
        self,
        where: str,
        ours: Mapping[str, Any],
        upstream: Mapping[str, Any],
        roles: frozenset[str],
    ) -> None:
        mine, theirs = ours.get("properties") or {}, upstream.get("properties") or {}
        mine_required, their_required = (
            set(ours.get("required") or []),
            set(upstream.get("required") or []),
        )
        for name in sorted(set(mine) | set(theirs)):
            here = f"{where}.{name}"
            if name not in theirs:
                self.add(here, "field removed upstream", BREAKING)
            elif name not in mine:
                required = name in their_required
                # A new required field in a request breaks callers; in a response it is new data.
                kind = BREAKING if required and "request" in roles else ADDITIVE
                self.add(here, "field new upstream" + (" (required)" if required else ""), kind)
            else:
                if (name in mine_required) != (name in their_required):
                    now = "required" if name in their_required else "optional"
                    # Optional in a response: code reading it may get None. Required in a
                    # request: callers must now send it. Either way, breaking.
                    breaks = "response" in roles if now == "optional" else "request" in roles
                    self.add(here, f"now {now} upstream", BREAKING if breaks else ADDITIVE)
                self.compare_schema(here, mine[name], theirs[name], roles=roles)


def report(changes: list[Change], *, ours: str, upstream: str) -> str:
    counts = {
        kind: sum(c.kind == kind for c in changes) for kind in (BREAKING, ADDITIVE, DESCRIPTION)
    }
    lines = [f"spec-diff: {ours} against {upstream} (the webhook part)"]
    lines += [change.line() for change in changes]
    lines.append(
        f"{counts[BREAKING]} breaking, {counts[ADDITIVE]} additive, "
        f"{counts[DESCRIPTION]} description change(s)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("upstream", help="Faraday's OpenAPI document: a path or an http(s) URL")
    parser.add_argument("--ours", default=str(ROOT / "openapi.yaml"), help="default: openapi.yaml")
    parser.add_argument(
        "--allow", action="store_true", help="report differences but exit 0 (drift accepted)"
    )
    args = parser.parse_args(argv)
    try:
        ours, upstream = load(args.ours), load(args.upstream)
    except (OSError, ValueError, yaml.YAMLError, httpx.HTTPError) as problem:
        print(f"spec-diff: cannot read a document: {problem}", file=sys.stderr)
        return 2
    for name, document in (("openapi.yaml", ours), ("upstream", upstream)):
        try:
            validate(document)
        except Exception as problem:  # the validator's own error types vary by version
            print(f"spec-diff: warning: {name} is not valid OpenAPI: {str(problem)[:300]}")
    changes = Comparison(Document(ours), Document(upstream)).run()
    print(report(changes, ours=Path(args.ours).name, upstream=args.upstream))
    drift = [change for change in changes if change.kind != DESCRIPTION]
    if drift and not args.allow:
        print("spec-diff: openapi.yaml differs from upstream; update it, or pass --allow")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
