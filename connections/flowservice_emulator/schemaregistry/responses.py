"""Schema Registry's HTTP side: the Accept header chooses the form; ids arrive URL-encoded."""

from __future__ import annotations

import re
from urllib.parse import unquote

from connections.flowservice_emulator.gateway import Caller
from connections.flowservice_emulator.http import Request, Response

from . import exceptions as refused
from .models import Form, Paging, SchemaRegistry

ACCEPT = re.compile(r"application/vnd\.adobe\.(?P<form>xed[a-z-]*)\+json\s*(?:;\s*version=(?P<version>[\d.]+))?")
LIST_FORMS = (Form.SUMMARY, Form.RAW)


def accepted(request: Request, *, lookup: bool) -> Form:
    """The form the Accept header asks for; a lookup must name a version (documented), a list must not need one."""
    accept = (request.headers.get("Accept") or "").strip()
    match = ACCEPT.fullmatch(accept)
    if match is None or (lookup and not match["version"]):
        raise (refused.InvalidLookupAccept if lookup else refused.InvalidListAccept)(accept=accept)
    try:
        form = Form(match["form"])
    except ValueError:
        raise refused.NotAcceptable(accept=accept) from None
    if (form is Form.SUMMARY) == lookup or (not lookup and form not in LIST_FORMS):
        raise refused.NotAcceptable(accept=accept)
    return form


def paging(request: Request) -> Paging:
    """`orderby`, `start` and `limit` as the appendix allows them: `limit` 0-500, and neither `limit` nor `start`
    without `orderby`."""
    orderby, start, limit = request.arg("orderby"), request.arg("start"), request.arg("limit")
    if orderby is None:
        if start is not None or limit is not None:
            raise refused.InvalidPaging(reason="limit and start cannot be used without orderby.")
        return Paging()
    if limit is not None and not (limit.isascii() and limit.isdigit() and len(limit) <= 3 and int(limit) <= 500):
        raise refused.InvalidPaging(reason=f"limit must be a whole number from 0 to 500, not {limit}.")
    return Paging(orderby=orderby, start=start, limit=300 if limit is None else int(limit))


class SchemaRegistryResponses:
    def __init__(self, backend: SchemaRegistry) -> None:
        self.backend = backend

    def schemas(self, request: Request, caller: Caller) -> Response:
        return Response(200, self.backend.listed(accepted(request, lookup=False), paging(request)))

    def schema(self, request: Request, caller: Caller, schema_ref: str) -> Response:
        form = accepted(request, lookup=True)
        return Response(200, self.backend.lookup(unquote(schema_ref), form, sandbox=caller.sandbox))
