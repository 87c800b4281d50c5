"""What Faraday's published OpenAPI document says differently from our openapi.yaml.

    python scripts/spec_diff.py UPSTREAM [--ours openapi.yaml] [--allow] [--format json]

UPSTREAM is a path or an http(s) URL of Faraday's whole document (JSON or YAML;
Faraday publishes it as api.json). Only the webhook part is compared: operations
tagged ``webhooks`` or under ``/webhook_endpoints``, and the delivery schemas
(``WebhookMessage*``).

Meaning, not spelling: every ``$ref`` (schemas, parameters, request bodies,
responses, path items) is resolved and ``allOf`` merged first, and OpenAPI 3.0 and
3.1 spellings are read alike (``nullable``, one-element type lists, ``const``), so a
document equal in meaning reports nothing. Paths are matched by their template
with parameter names left out; path parameters are compared by position.

Each change is classed by whom it breaks. A request that gets stricter upstream
(a new required field, a value no longer allowed, a lower limit) breaks our
callers; a response that gets looser upstream (a new enum value Faraday may send,
a field no longer required, null allowed) breaks our parsing. The reverse of
either is additive; a change of type, format or wire format breaks both. What
openapi.yaml adds on purpose is listed in ``openapi-ours.yaml`` and shows as
"ours", never as removed upstream. Descriptions are reported only where both
documents have one and they differ.

Exit codes: 0 no drift, 1 drift found (unless --allow), 2 a document could not be
read (not OpenAPI 3.x, a dangling ``$ref``, unreadable): one line, no traceback.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
BREAKING, ADDITIVE, DESCRIPTION, OURS = "breaking", "additive", "description", "ours"
REQUEST, RESPONSE = "request", "response"
# Keywords that change what is valid or what goes on the wire, compared as values.
LIMITS_UP = ("minLength", "minItems", "minimum", "exclusiveMinimum", "minProperties")
LIMITS_DOWN = ("maxLength", "maxItems", "maximum", "exclusiveMaximum", "maxProperties")
IGNORED = frozenset({"description", "title", "example", "examples", "externalDocs", "xml"})


class Unreadable(Exception):
    """A document that cannot be compared; the message is the one line spec-diff prints."""


@attrs.frozen(order=True)
class Change:
    """One difference: where, what, whom it breaks, and each side's value."""

    where: str
    what: str
    kind: str
    side: str = ""
    ours: Any = attrs.field(default=None, eq=False, order=False)
    upstream: Any = attrs.field(default=None, eq=False, order=False)

    def line(self) -> str:
        return f"  {self.kind:<11} {self.where}: {self.what}"

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.where,
            "change": self.what,
            "class": self.kind,
            "side": self.side,
            "ours": self.ours,
            "upstream": self.upstream,
        }


# What a document may be: Faraday's api.json is well under a MiB. A larger one, or one
# that expands past this many schema nodes once its $refs are followed (a "billion
# laughs" of references), is refused in one line rather than compared for hours.
MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
MAX_SCHEMA_NODES = 200_000


# libyaml's loader where PyYAML has it (ten times faster than its pure Python one).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _yaml(text: str) -> Any:
    """YAML, safely and without aliases: ``*a`` shares a node, and nested aliases multiply
    what a reader of the document walks (a "billion laughs")."""
    if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=_LOADER)):
        raise Unreadable("YAML aliases (*name) are not read: an OpenAPI document needs none")
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader


def _read(source: str) -> str:
    """The text of a path or an http(s) URL, at most ``MAX_DOCUMENT_BYTES``."""
    too_large = Unreadable(f"{source} is larger than {MAX_DOCUMENT_BYTES} bytes")
    if re.match(r"^https?://", source):
        with httpx.stream("GET", source, follow_redirects=True, timeout=60) as response:
            response.raise_for_status()
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_DOCUMENT_BYTES:
                    raise too_large
                chunks.append(chunk)
        return b"".join(chunks).decode("utf-8")
    with open(source, "rb") as file:  # a device such as /dev/zero never ends: read a bound
        data = file.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise too_large
    return data.decode("utf-8")


def load(source: str) -> dict[str, Any]:
    """A document from a path or an http(s) URL, JSON or YAML; ``Unreadable`` otherwise."""
    try:
        text = _read(source)
        try:
            document = json.loads(text)  # JSON, as Faraday publishes it: fast, no aliases
        except ValueError:
            document = _yaml(text)
    except (OSError, ValueError, yaml.YAMLError, httpx.HTTPError, httpx.InvalidURL) as problem:
        raise Unreadable(f"cannot read {source}: {type(problem).__name__}: {problem}") from None
    except RecursionError:
        raise Unreadable(f"cannot read {source}: it nests too deeply") from None
    if not isinstance(document, dict):
        raise Unreadable(f"{source} is not an OpenAPI document")
    if "swagger" in document:
        raise Unreadable(f"{source} is Swagger {document['swagger']}: convert it to OpenAPI 3.x")
    if not str(document.get("openapi", "")).startswith("3."):
        raise Unreadable(f"{source} is not OpenAPI 3.x (no 'openapi: 3.x' field)")
    return document


class Document:
    """One side, read for meaning: every ``$ref`` resolved, ``allOf`` merged, 3.0 and 3.1
    spellings made one."""

    def __init__(self, document: dict[str, Any], name: str) -> None:
        self.document = document
        self.name = name
        self.nodes = 0  # schema nodes read so far (MAX_SCHEMA_NODES)
        self.operations = self._webhook_operations()

    def pointer(self, reference: str) -> Any:
        """What a local ``$ref`` points at, or ``Unreadable`` naming it."""
        if not reference.startswith("#/"):
            raise Unreadable(f"{self.name}: only local $refs are followed, not {reference!r}")
        node: Any = self.document
        for part in reference[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise Unreadable(f"{self.name}: dangling $ref {reference!r}")
        return node

    def deref(self, node: Any) -> Any:
        """``node`` with top-level ``$ref``s followed (parameters, bodies, responses)."""
        for _ in range(50):
            if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
                return node
            node = self.pointer(node["$ref"])
        raise Unreadable(f"{self.name}: a $ref chain longer than 50")

    def _webhook_operations(self) -> dict[str, dict[str, Any]]:
        """``METHOD /path/{}`` -> the operation, with the path item's parameters merged in."""
        found: dict[str, dict[str, Any]] = {}
        paths = self.document.get("paths") or {}
        if not isinstance(paths, dict):
            raise Unreadable(f"{self.name}: paths is not an object")
        for path, raw_item in paths.items():
            if not isinstance(path, str) or path.startswith("x-"):
                continue
            item = self.deref(raw_item)  # 3.1: a path item may be a $ref (components/pathItems)
            if not isinstance(item, dict):
                continue
            for method in METHODS:
                operation = item.get(method)
                if not isinstance(operation, dict):
                    continue
                tags = operation.get("tags") or []
                if "webhooks" in tags or path.startswith("/webhook_endpoints"):
                    merged = dict(operation)
                    merged["parameters"] = [
                        *(item.get("parameters") or []),
                        *(operation.get("parameters") or []),
                    ]
                    merged["path"] = path
                    found[f"{method.upper()} {re.sub(r'{[^}]*}', '{}', path)}"] = merged
        return found

    def schema(self, node: Any, seen: tuple[str, ...] = ()) -> dict[str, Any]:
        """A schema in one spelling: refs resolved, allOf merged, null as a type."""
        self.nodes += 1
        if self.nodes > MAX_SCHEMA_NODES:
            raise Unreadable(f"{self.name}: expands past {MAX_SCHEMA_NODES} schemas ($ref loops?)")
        if not isinstance(node, dict):
            return {}
        if isinstance(node.get("$ref"), str):
            reference = node["$ref"]
            if reference in seen:  # a recursive schema: compared by name from here on
                return {"recursive": reference.rsplit("/", 1)[-1]}
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            resolved = self.schema(self.pointer(reference), (*seen, reference))
            return _merge(resolved, self.schema(siblings, seen)) if siblings else resolved
        schema: dict[str, Any] = {}
        for key, value in node.items():
            if key in IGNORED or key.startswith("x-") or key == "allOf":
                continue
            if key in ("properties", "patternProperties") and isinstance(value, dict):
                schema[key] = {name: self.schema(sub, seen) for name, sub in value.items()}
            elif key in ("items", "not", "additionalProperties") and isinstance(value, dict):
                schema[key] = self.schema(value, seen)
            elif key in ("anyOf", "oneOf") and isinstance(value, list):
                schema[key] = [self.schema(option, seen) for option in value]
            else:
                schema[key] = value
        for part in node.get("allOf") or []:
            schema = _merge(schema, self.schema(part, seen))
        return _normalized(schema)


def _merge(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """Two schemas that must both hold, as one: properties and required joined."""
    merged = dict(first)
    for key, value in second.items():
        if key == "properties":
            merged[key] = {**merged.get(key, {}), **value}
        elif key == "required":
            merged[key] = sorted(set(merged.get(key, [])) | set(value))
        else:
            merged.setdefault(key, value)
    return merged


def _normalized(schema: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI 3.0 and 3.1 spellings of the same meaning, made one."""
    kinds = schema.get("type")
    types = set(kinds) if isinstance(kinds, list) else ({kinds} if kinds else set())
    if schema.pop("nullable", False) is True and types:
        types.add("null")
    if types:
        schema["type"] = sorted(types)
    if "const" in schema:
        schema["enum"] = [schema.pop("const")]
    for combiner in ("anyOf", "oneOf"):
        options = schema.get(combiner)
        if isinstance(options, list) and len(options) == 1:
            return _merge({k: v for k, v in schema.items() if k != combiner}, options[0])
    if "required" in schema:
        schema["required"] = sorted(set(schema["required"]))
    if schema.get("additionalProperties") == {}:
        schema["additionalProperties"] = True
    return schema


def _shown(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


@attrs.define
class Comparison:
    """The walk over both documents, collecting ``Change``s."""

    ours: Document
    upstream: Document
    ours_on_purpose: list[str] = attrs.field(factory=list)
    changes: list[Change] = attrs.field(factory=list)
    compared: set[tuple[str, str, str]] = attrs.field(factory=set)

    # -- recording ------------------------------------------------------------------

    def add(
        self, where: str, what: str, kind: str, side: str = "", ours: Any = None, up: Any = None
    ) -> None:
        if kind != DESCRIPTION and any(
            fnmatch.fnmatchcase(f"{where}: {what}", pattern) for pattern in self.ours_on_purpose
        ):
            kind = OURS
        self.changes.append(Change(where, what, kind, side, ours, up))

    def tightened(self, where: str, what: str, side: str, *, ours: Any, up: Any) -> None:
        """Upstream accepts or sends less than ours: breaks a request, not a response."""
        self.add(where, what, BREAKING if side == REQUEST else ADDITIVE, side, ours, up)

    def loosened(self, where: str, what: str, side: str, *, ours: Any, up: Any) -> None:
        """Upstream accepts or sends more than ours: breaks a response, not a request."""
        self.add(where, what, BREAKING if side == RESPONSE else ADDITIVE, side, ours, up)

    # -- operations -------------------------------------------------------------------

    def run(self) -> list[Change]:
        mine, theirs = self.ours.operations, self.upstream.operations
        for key in sorted(set(mine) | set(theirs)):
            if key not in theirs:
                name = mine[key].get("operationId")
                self.add(key, f"operation {name} removed upstream", BREAKING, ours=name)
            elif key not in mine:
                name = theirs[key].get("operationId")
                self.add(key, f"operation {name} new upstream", ADDITIVE, up=name)
            else:
                self.operation(key, mine[key], theirs[key])
        self.delivery_schemas()
        return sorted(set(self.changes))

    def operation(self, key: str, ours: dict[str, Any], upstream: dict[str, Any]) -> None:
        if ours.get("operationId") != upstream.get("operationId"):
            was, now = ours.get("operationId"), upstream.get("operationId")
            self.add(key, f"operationId {was} is now {now}", BREAKING, "", was, now)
        self.description(key, ours, upstream)
        self.flag(key, "deprecated", ours, upstream, "")
        security = (self._security(self.ours, ours), self._security(self.upstream, upstream))
        if security[0] != security[1]:
            self.add(key, "security changed upstream", BREAKING, REQUEST, *security)
        self.parameters(key, ours, upstream)
        self.request_body(key, ours, upstream)
        self.responses(key, ours, upstream)

    def _security(self, side: Document, operation: dict[str, Any]) -> list[Any]:
        """The schemes an operation needs, by what they are (names left out)."""
        requirements = operation.get("security", side.document.get("security")) or []
        schemes = (side.document.get("components") or {}).get("securitySchemes") or {}
        described = []
        for requirement in requirements:
            described.append(
                sorted(
                    _shown(
                        {
                            k: v
                            for k, v in side.deref(schemes.get(name, {})).items()
                            if k not in IGNORED
                        }
                    )
                    for name in requirement
                )
            )
        return sorted(described)

    def parameters(self, key: str, ours: dict[str, Any], upstream: dict[str, Any]) -> None:
        def by_name(side: Document, operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
            found, position = {}, 0
            for raw in operation["parameters"]:
                parameter = side.deref(raw)
                if not isinstance(parameter, dict):
                    continue
                if parameter.get("in") == "path":  # matched by position in the template
                    found[f"path #{position}"] = parameter
                    position += 1
                else:
                    found[f"{parameter.get('in')} {parameter.get('name')}"] = parameter
            return found

        mine, theirs = by_name(self.ours, ours), by_name(self.upstream, upstream)
        for name in sorted(set(mine) | set(theirs)):
            where = f"{key} parameter {name}"
            if name not in theirs:
                self.add(where, "removed upstream", BREAKING, REQUEST)
            elif name not in mine:
                required = bool(theirs[name].get("required"))
                self.add(
                    where,
                    "new upstream" + (" (required)" if required else ""),
                    BREAKING if required else ADDITIVE,
                    REQUEST,
                )
            else:
                self.parameter(where, mine[name], theirs[name])

    def parameter(self, where: str, ours: dict[str, Any], upstream: dict[str, Any]) -> None:
        if ours.get("name") != upstream.get("name"):
            was, now = ours.get("name"), upstream.get("name")
            # A path parameter's name never reaches the wire; any other's is the wire.
            kind = ADDITIVE if ours.get("in") == "path" else BREAKING
            self.add(where, f"renamed {was} -> {now}", kind, REQUEST, was, now)
        defaults = {"query": ("form", True), "path": ("simple", False), "header": ("simple", False)}
        style, explode = defaults.get(str(ours.get("in")), ("form", True))
        for field, default in (("style", style), ("explode", style == "form" and explode)):
            was, now = ours.get(field, default), upstream.get(field, default)
            if was != now:
                self.add(where, f"{field} was {was}, upstream {now}", BREAKING, REQUEST, was, now)
        self.flag(where, "deprecated", ours, upstream, REQUEST)
        self.required_changed(
            where, bool(ours.get("required")), bool(upstream.get("required")), REQUEST
        )
        self.description(where, ours, upstream)
        self.schema(
            where,
            self.ours.schema(ours.get("schema")),
            self.upstream.schema(upstream.get("schema")),
            REQUEST,
        )

    def request_body(self, key: str, ours: dict[str, Any], upstream: dict[str, Any]) -> None:
        mine = self.ours.deref(ours.get("requestBody") or {})
        theirs = self.upstream.deref(upstream.get("requestBody") or {})
        if not mine and not theirs:
            return
        where = f"{key} request body"
        self.required_changed(
            where, bool(mine.get("required")), bool(theirs.get("required")), REQUEST
        )
        self.content(where, mine, theirs, REQUEST)

    def responses(self, key: str, ours: dict[str, Any], upstream: dict[str, Any]) -> None:
        mine = {str(s): a for s, a in (ours.get("responses") or {}).items()}
        theirs = {str(s): a for s, a in (upstream.get("responses") or {}).items()}
        for status in sorted(set(mine) | set(theirs)):
            where = f"{key} response {status}"
            if status not in theirs:
                self.add(where, "no longer documented upstream", BREAKING, RESPONSE)
            elif status not in mine:
                self.add(where, "new upstream", ADDITIVE, RESPONSE)
            else:
                ours_answer, their_answer = (
                    self.ours.deref(mine[status]),
                    self.upstream.deref(theirs[status]),
                )
                self.content(where, ours_answer, their_answer, RESPONSE)
                self.headers(where, ours_answer, their_answer)

    def headers(self, where: str, ours: dict[str, Any], upstream: dict[str, Any]) -> None:
        mine = {k.lower(): v for k, v in (ours.get("headers") or {}).items()}
        theirs = {k.lower(): v for k, v in (upstream.get("headers") or {}).items()}
        for name in sorted(set(mine) | set(theirs)):
            here = f"{where} header {name}"
            if name not in theirs:
                self.add(here, "removed upstream", BREAKING, RESPONSE)
            elif name not in mine:
                self.add(here, "new upstream", ADDITIVE, RESPONSE)
            else:
                self.schema(
                    here,
                    self.ours.schema(self.ours.deref(mine[name]).get("schema")),
                    self.upstream.schema(self.upstream.deref(theirs[name]).get("schema")),
                    RESPONSE,
                )

    def content(
        self, where: str, ours: dict[str, Any], upstream: dict[str, Any], side: str
    ) -> None:
        self.description(where, ours, upstream)
        mine, theirs = ours.get("content") or {}, upstream.get("content") or {}
        for media in sorted(set(mine) | set(theirs)):
            here = f"{where} {media}"
            if media not in theirs:
                self.tightened(here, "media type removed upstream", side, ours=media, up=None)
            elif media not in mine:
                self.loosened(here, "media type new upstream", side, ours=None, up=media)
            else:
                self.schema(
                    here,
                    self.ours.schema(mine[media].get("schema")),
                    self.upstream.schema(theirs[media].get("schema")),
                    side,
                )

    def delivery_schemas(self) -> None:
        """The messages Faraday POSTs, compared by name (they are not any operation's)."""

        def messages(side: Document) -> dict[str, Any]:
            schemas = (side.document.get("components") or {}).get("schemas") or {}
            return {n: s for n, s in schemas.items() if str(n).startswith("WebhookMessage")}

        mine, theirs = messages(self.ours), messages(self.upstream)
        for name in sorted(set(mine) | set(theirs)):
            where = f"schema {name}"
            if name not in theirs:
                self.add(where, "only in openapi.yaml (removed upstream)", BREAKING, RESPONSE)
            elif name not in mine:
                self.add(where, "new upstream", ADDITIVE, RESPONSE)
            else:
                self.schema(
                    where,
                    self.ours.schema(mine[name]),
                    self.upstream.schema(theirs[name]),
                    RESPONSE,
                )

    # -- schemas ----------------------------------------------------------------------

    def required_changed(self, where: str, was: bool, now: bool, side: str) -> None:
        """Newly required upstream is stricter; no longer required, looser."""
        if was != now:
            change = self.tightened if now else self.loosened
            state = "required" if now else "optional"
            change(where, f"now {state} upstream", side, ours=was, up=now)

    def description(self, where: str, ours: Mapping[str, Any], upstream: Mapping[str, Any]) -> None:
        # Only where both say something: wording written only in our document is ours.
        mine, theirs = ours.get("description"), upstream.get("description")
        if (
            isinstance(mine, str)
            and isinstance(theirs, str)
            and " ".join(mine.split()) != " ".join(theirs.split())
        ):
            shown = " ".join(theirs.split())[:200]
            self.add(where, f"description upstream: {shown!r}", DESCRIPTION, "", mine, theirs)

    def flag(
        self, where: str, name: str, ours: Mapping[str, Any], up: Mapping[str, Any], side: str
    ) -> None:
        was, now = bool(ours.get(name)), bool(up.get(name))
        if was != now:
            self.add(
                where, f"{name} {'set' if now else 'dropped'} upstream", ADDITIVE, side, was, now
            )

    def schema(self, where: str, ours: dict[str, Any], upstream: dict[str, Any], side: str) -> None:
        """Every keyword that changes what is valid or sent, each change reported once: a
        pair of schemas met again (one model in four responses) is not walked again."""
        seen = (side, _canonical(ours), _canonical(upstream))
        if seen in self.compared:
            return
        self.compared.add(seen)
        if "recursive" in ours or "recursive" in upstream:
            if ours.get("recursive") != upstream.get("recursive"):
                self.add(where, "recursive schema differs", BREAKING, side, ours, upstream)
            return
        self.types(where, ours, upstream, side)
        for keyword in ("format", "pattern"):
            was, now = ours.get(keyword), upstream.get(keyword)
            if was == now:
                continue
            what = f"{keyword} was {was}, upstream {now}"
            if was is None:
                self.tightened(where, what, side, ours=was, up=now)
            elif now is None:
                self.loosened(where, what, side, ours=was, up=now)
            else:
                self.add(where, what, BREAKING, side, was, now)
        self.enum(where, ours, upstream, side)
        self.limits(where, ours, upstream, side)
        for keyword in ("readOnly", "writeOnly", "deprecated"):
            self.flag(where, keyword, ours, upstream, side)
        if ours.get("default") != upstream.get("default"):
            was, now = ours.get("default"), upstream.get("default")
            kind = BREAKING if side == REQUEST else ADDITIVE
            self.add(
                where, f"default was {_shown(was)}, upstream {_shown(now)}", kind, side, was, now
            )
        self.additional_properties(where, ours, upstream, side)
        self.discriminator(where, ours, upstream, side)
        self.options(where, ours, upstream, side)
        if "items" in ours or "items" in upstream:
            self.schema(f"{where}[]", ours.get("items") or {}, upstream.get("items") or {}, side)
        self.properties(where, ours, upstream, side)

    def types(self, where: str, ours: dict[str, Any], upstream: dict[str, Any], side: str) -> None:
        was, now = set(ours.get("type") or []), set(upstream.get("type") or [])
        if was == now or not was or not now:
            if was != now:  # one side says nothing: any type
                change = self.loosened if not now else self.tightened
                change(
                    where,
                    f"type was {sorted(was) or 'any'}, upstream {sorted(now) or 'any'}",
                    side,
                    ours=sorted(was),
                    up=sorted(now),
                )
            return
        if was - {"null"} == now - {"null"}:  # only null differs
            if "null" in now:
                self.loosened(
                    where, "null allowed upstream", side, ours=sorted(was), up=sorted(now)
                )
            else:
                self.tightened(
                    where, "null no longer allowed upstream", side, ours=sorted(was), up=sorted(now)
                )
            return
        shown_was, shown_now = "/".join(sorted(was)), "/".join(sorted(now))
        if ours.get("format"):
            shown_was += f" ({ours['format']})"
        if upstream.get("format"):
            shown_now += f" ({upstream['format']})"
        self.add(
            where,
            f"type was {shown_was}, upstream {shown_now}",
            BREAKING,
            side,
            sorted(was),
            sorted(now),
        )

    def enum(self, where: str, ours: dict[str, Any], upstream: dict[str, Any], side: str) -> None:
        if "enum" not in ours and "enum" not in upstream:
            return
        if "enum" not in upstream:
            self.loosened(
                where, "enum dropped upstream (any value)", side, ours=ours["enum"], up=None
            )
            return
        if "enum" not in ours:
            self.tightened(where, "enum new upstream", side, ours=None, up=upstream["enum"])
            return
        mine = {_shown(value): value for value in ours["enum"]}
        theirs = {_shown(value): value for value in upstream["enum"]}
        for key in sorted(set(theirs) - set(mine)):
            self.loosened(
                where, f"enum value {theirs[key]!r} new upstream", side, ours=None, up=theirs[key]
            )
        for key in sorted(set(mine) - set(theirs)):
            self.tightened(
                where, f"enum value {mine[key]!r} removed upstream", side, ours=mine[key], up=None
            )

    def limits(self, where: str, ours: dict[str, Any], upstream: dict[str, Any], side: str) -> None:
        for keyword in (*LIMITS_UP, *LIMITS_DOWN, "uniqueItems"):
            was, now = ours.get(keyword), upstream.get(keyword)
            if was == now:
                continue
            what = f"{keyword} was {was}, upstream {now}"
            if isinstance(was, bool) or isinstance(now, bool):
                stricter = bool(now)  # exclusive bounds in 3.0, uniqueItems
            elif keyword in LIMITS_UP:
                stricter = was is None or (now is not None and now > was)
            else:
                stricter = was is None or (now is not None and now < was)
            change = self.tightened if stricter else self.loosened
            change(where, what, side, ours=was, up=now)

    def additional_properties(
        self, where: str, ours: dict[str, Any], upstream: dict[str, Any], side: str
    ) -> None:
        was, now = (
            ours.get("additionalProperties", True),
            upstream.get("additionalProperties", True),
        )
        if isinstance(was, dict) and isinstance(now, dict):
            self.schema(f"{where}{{*}}", was, now, side)
        elif was != now:
            what = f"additionalProperties was {_shown(was)}, upstream {_shown(now)}"
            change = self.tightened if now is False or was is True else self.loosened
            change(where, what, side, ours=was, up=now)

    def discriminator(
        self, where: str, ours: dict[str, Any], upstream: dict[str, Any], side: str
    ) -> None:
        mine, theirs = ours.get("discriminator") or {}, upstream.get("discriminator") or {}
        if mine.get("propertyName") != theirs.get("propertyName"):
            was, now = mine.get("propertyName"), theirs.get("propertyName")
            self.add(where, f"discriminator was {was}, upstream {now}", BREAKING, side, was, now)
        mapped, their_mapped = set(mine.get("mapping") or {}), set(theirs.get("mapping") or {})
        for value in sorted(their_mapped - mapped):
            self.loosened(
                where, f"discriminator value {value!r} new upstream", side, ours=None, up=value
            )
        for value in sorted(mapped - their_mapped):
            self.tightened(
                where, f"discriminator value {value!r} removed upstream", side, ours=value, up=None
            )

    def options(
        self, where: str, ours: dict[str, Any], upstream: dict[str, Any], side: str
    ) -> None:
        for combiner in ("anyOf", "oneOf"):
            mine = {_canonical(option): option for option in ours.get(combiner) or []}
            theirs = {_canonical(option): option for option in upstream.get(combiner) or []}
            for key in sorted(set(theirs) - set(mine)):
                self.loosened(
                    where,
                    f"{combiner} option {_shown(theirs[key])} new upstream",
                    side,
                    ours=None,
                    up=theirs[key],
                )
            for key in sorted(set(mine) - set(theirs)):
                self.tightened(
                    where,
                    f"{combiner} option {_shown(mine[key])} removed upstream",
                    side,
                    ours=mine[key],
                    up=None,
                )

    def properties(
        self, where: str, ours: dict[str, Any], upstream: dict[str, Any], side: str
    ) -> None:
        mine, theirs = ours.get("properties") or {}, upstream.get("properties") or {}
        mine_required, their_required = (
            set(ours.get("required") or []),
            set(upstream.get("required") or []),
        )
        for name in sorted(set(mine) | set(theirs)):
            here = f"{where}.{name}"
            if name not in theirs:
                self.add(here, "field removed upstream", BREAKING, side)
            elif name not in mine:
                required = name in their_required
                # A new required field in a request breaks callers; in a response it is new data.
                kind = BREAKING if required and side == REQUEST else ADDITIVE
                self.add(
                    here, "field new upstream" + (" (required)" if required else ""), kind, side
                )
            else:
                self.required_changed(here, name in mine_required, name in their_required, side)
                self.schema(here, mine[name], theirs[name], side)


def _canonical(schema: Any) -> str:
    return json.dumps(schema, sort_keys=True, default=str)


def _ours_on_purpose(path: Path) -> list[str]:
    """The patterns of ``openapi-ours.yaml``: changes openapi.yaml makes on purpose."""
    if not path.exists():
        return []
    listed = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [str(entry["change"]) for entry in listed.get("ours", [])]


def report(changes: list[Change], *, ours: str, upstream: str) -> str:
    counts = {
        kind: sum(c.kind == kind for c in changes)
        for kind in (BREAKING, ADDITIVE, DESCRIPTION, OURS)
    }
    lines = [f"spec-diff: {ours} against {upstream} (the webhook part)"]
    lines += [change.line() for change in changes]
    lines.append(
        f"{counts[BREAKING]} breaking, {counts[ADDITIVE]} additive, "
        f"{counts[DESCRIPTION]} description change(s); {counts[OURS]} of ours on purpose"
    )
    return "\n".join(lines)


def compare(ours: dict[str, Any], upstream: dict[str, Any], on_purpose: list[str]) -> list[Change]:
    """The changes from ``ours`` to ``upstream`` (both parsed documents)."""
    return Comparison(
        Document(ours, "openapi.yaml"), Document(upstream, "upstream"), on_purpose
    ).run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("upstream", help="Faraday's OpenAPI document: a path or an http(s) URL")
    parser.add_argument("--ours", default=str(ROOT / "openapi.yaml"), help="default: openapi.yaml")
    parser.add_argument(
        "--allow", action="store_true", help="report differences but exit 0 (drift accepted)"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    try:
        ours, upstream = load(args.ours), load(args.upstream)
        changes = compare(ours, upstream, _ours_on_purpose(ROOT / "openapi-ours.yaml"))
    except Unreadable as problem:
        return _unreadable(str(problem))
    except RecursionError:
        return _unreadable("a document nests too deeply to compare")
    except (TypeError, AttributeError, KeyError, ValueError, IndexError) as problem:
        # A field of the wrong type somewhere (a list where an object belongs, say):
        # the document is not one this tool can read, which is exit 2, not "drift found".
        return _unreadable(f"a document has a field of the wrong type ({type(problem).__name__})")
    if args.format == "json":
        print(json.dumps([change.as_json() for change in changes], indent=1, default=str))
    else:
        print(report(changes, ours=Path(args.ours).name, upstream=args.upstream))
    drift = [change for change in changes if change.kind in (BREAKING, ADDITIVE)]
    if drift and not args.allow:
        if args.format == "text":
            print("spec-diff: openapi.yaml differs from upstream; update it, or pass --allow")
        return 1
    return 0


def _unreadable(message: str) -> int:
    """One line on stderr, whatever the problem's text holds; exit status 2."""
    print("spec-diff: " + " ".join(message.split())[:500], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
