"""The gateway's checks on the headers of every request, in the order Adobe's gateway applies them; each refusal is a
typed error. (Not a backend: it reads headers, so it lives beside the HTTP side, not in a models.py.)"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from connections.flowservice_emulator.http import Request
from connections.flowservice_emulator.store import Store

from . import exceptions as refused

BODY_METHODS = ("POST", "PATCH", "PUT")


@dataclass(frozen=True)
class Caller:
    """Who is calling, and in which org and sandbox: every object belongs to one org and one sandbox."""

    client_id: str
    org: str
    sandbox: str

    @property
    def sandbox_id(self) -> str:
        return sandbox_id(self.org, self.sandbox)

    @property
    def user(self) -> str:
        return f"{self.client_id}@AdobeID"


def sandbox_id(org: str, sandbox: str) -> str:
    """A stable id per org and sandbox name. Adobe's documents are silent on its form; a UUID is what they show."""
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{org}.{sandbox}"))


class Gateway:
    def __init__(self, store: Store, *, sandboxes: tuple[str, ...], org_id: str | None = None) -> None:
        self.store = store
        self.sandboxes = sandboxes
        self.org_id = org_id

    def authorize(self, request: Request, *, sandboxed: bool = True) -> Caller:
        """The caller, or the gateway's refusal. A call that names no sandbox (`sandboxed=False`) gets none."""
        token, client_id = self._client(request)
        org = self._org(request, token)
        sandbox = self._sandbox(request, org) if sandboxed else ""
        if request.method in BODY_METHODS and request.body:  # a body-less POST (a flow action) needs no type
            content_type = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if content_type != "application/json":
                raise refused.MissingContentType()
        return Caller(client_id, org, sandbox)

    def _client(self, request: Request) -> tuple[str, str]:
        """The token and the client it was issued to."""
        scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise refused.MissingToken()
        client_id = self.store.token_client(token)
        if client_id is None:
            raise refused.InvalidToken()
        api_key = request.headers.get("x-api-key")
        if not api_key:
            raise refused.MissingApiKey()
        if api_key != client_id:
            raise refused.InvalidApiKey()
        return token, client_id

    def _org(self, request: Request, token: str) -> str:
        """A token belongs to one org (403025 for any other, flow-service.md's gateway table). With --org-id the
        credential belongs to that org alone; without it, a token belongs to the first org it is used with:
        the emulator's IMS does not know the org when it issues a token, Adobe's does."""
        org = request.headers.get("x-gw-ims-org-id")
        if not org:
            raise refused.MissingOrg()
        if not org.endswith("@AdobeOrg") or (self.org_id and org != self.org_id):
            raise refused.InvalidOrg()
        if self.store.token_org(token, org) != org:
            raise refused.InvalidOrg()
        return org

    def _sandbox(self, request: Request, org: str) -> str:
        name = request.headers.get("x-sandbox-name")
        if not name:
            raise refused.MissingSandboxName()
        if name not in self.sandboxes:
            raise refused.SandboxNotFound(name=name)
        # Adobe documents x-sandbox-id as optional beside the name, and 2103-404 when the two disagree.
        # (2110-400, "not allowed with the user token", never applies: the emulator issues only service tokens.)
        given_id = request.headers.get("x-sandbox-id")
        if given_id and given_id != sandbox_id(org, name):
            raise refused.SandboxIdNotFound(sandbox_id=given_id, name=name)
        return name
