"""JSON Patch as Flow Service takes it: an array of `{op, path, value}` (the tutorials) or one instruction
(the OpenAPI file draws a single uppercase one); ops add, replace and remove, case-insensitive."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import credentials, spec
from . import exceptions as refused

Doc = dict[str, Any]
OPERATIONS = ("add", "replace", "remove")


@dataclass(frozen=True)
class Operation:
    op: str
    path: str
    value: Any

    @classmethod
    def parse(cls, instruction: Any) -> Operation:
        if not isinstance(instruction, dict) or "op" not in instruction or "path" not in instruction:
            raise refused.InvalidPatch(reason="each instruction needs op and path.")
        op = str(instruction["op"]).lower()
        if op not in OPERATIONS:
            raise refused.UnsupportedOperation(op=instruction["op"])
        return cls(op, str(instruction["path"]).rstrip("/"), instruction.get("value"))

    @property
    def removes(self) -> bool:
        return self.op == "remove"


def operations(body: Any) -> list[Operation]:
    instructions = body if isinstance(body, list) else [body]
    if body is None or not instructions:
        raise refused.EmptyBody()
    return [Operation.parse(i) for i in instructions]


def patched(doc: Doc, body: Any, apply: Callable[[Doc, Operation], None]) -> Doc:
    """A copy of the doc with every operation applied, or the refusal of the first one that fails."""
    updated = copy.deepcopy(doc)
    for operation in operations(body):
        if operation.path in ("/name", "/description"):
            _apply_text(updated, operation)
        else:
            apply(updated, operation)
    return updated


def _apply_text(doc: Doc, operation: Operation) -> None:
    field = operation.path[1:]
    if operation.removes:
        if field == "name":
            raise refused.MissingField(field="name")
        doc.pop(field, None)
        return
    doc[field] = text_field(field, operation.value, required=field == "name")


def text_field(field: str, value: Any, *, required: bool) -> str:
    """A name or description as Adobe's schema types it: a string (the name not empty).

    Adobe's documents are silent on the code for a value of the wrong type; 1100-400 is the catalogue's
    "invalid request".
    """
    if value is None or value == "":
        if required:
            raise refused.MissingField(field=field)
        return ""
    if not isinstance(value, str):
        raise refused.InvalidRequest(reason=f"The field {field} must be a string, not {type(value).__name__}.")
    return value


def apply_to_connection(doc: Doc, operation: Operation) -> None:
    """A base connection may change its credentials, never its connection spec or auth type."""
    spec_name = doc["auth"]["specName"]
    path = operation.path
    if path == "/auth/params" and not operation.removes and isinstance(operation.value, dict):
        doc["auth"]["params"] = credentials.hashed(spec_name, operation.value)
    elif path.startswith("/auth/params/"):
        _apply_param(doc["auth"]["params"], operation, lambda p: credentials.hashed(spec_name, p))
    elif path.startswith("/connectionSpec"):
        raise refused.SpecNotUpdatable()
    elif path.startswith("/auth"):
        raise refused.InvalidRequest(
            reason="The authentication type of a base connection cannot be changed; "
            "create a new base connection instead."
        )
    else:
        raise refused.InvalidPatch(reason=f'Missing field "{path.lstrip("/")}".')


def apply_to_source_connection(doc: Doc, operation: Operation) -> None:
    """A source connection may change its params and data format; Adobe's documents are silent on moving it
    to another base connection, which the emulator refuses."""
    path = operation.path
    if path == "/params" and not operation.removes and isinstance(operation.value, dict):
        doc["params"] = dict(operation.value)
    elif path.startswith("/params/"):
        _apply_param(doc["params"], operation, dict)
    elif path == "/data/format" and not operation.removes:
        doc["data"]["format"] = check_format(operation.value, spec.SUPPORTED_FORMATS)
    elif path.startswith("/connectionSpec"):
        raise refused.SpecNotUpdatable()
    elif path == "/baseConnectionId":
        raise refused.InvalidRequest(reason="The base connection of a source connection cannot be changed.")
    else:
        raise refused.InvalidPatch(reason=f'Missing field "{path.lstrip("/")}".')


def _apply_param(params: Doc, operation: Operation, prepare: Callable[[Doc], Doc]) -> None:
    key = operation.path.rsplit("/", 1)[1]
    if not operation.removes:
        params.update(prepare({key: operation.value}))
    elif key in params:
        params.pop(key)
    else:
        raise refused.InvalidPatch(reason=f'Missing field "{key}".')


def check_format(value: Any, allowed: list[str], kind: str = "SourceConnection") -> str:
    if not value:
        raise refused.MissingField(field="data.format")
    if value not in allowed:
        raise refused.UnsupportedFormat(format=value, allowed=allowed, kind=kind)
    return str(value)
