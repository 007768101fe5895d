"""The Flow Service client for Azure Event Hubs sources, on the shared request path (platform.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import payloads
from .dataflow import DataflowMethods
from .errors import FlowServiceError, UnrecognisedAnswerError
from .platform import AdobeAuth, Observer, as_shown, created_from, json_body, quote_id
from .types import (
    EVENT_HUBS_CONNECTION_SPEC_ID,
    ConnectionTest,
    Created,
    EventHubAuth,
    HubListing,
    Operation,
    Sandbox,
    Service,
    SourceParams,
    Verdict,
)

__all__ = ["AdobeAuth", "FlowServiceClient", "Observer"]


class FlowServiceClient(DataflowMethods):
    """Adobe Flow Service for one organization and sandbox, as the Event Hubs tutorial uses it."""

    # Base connections

    def create_base_connection(self, *, name: str, description: str, auth: EventHubAuth) -> Created:
        """POST /connections; never retried once sent (a create is not idempotent)."""
        body = payloads.base_connection_body(name=name, description=description, auth=auth)
        response = self._request(
            Operation.CREATE_BASE,
            "POST",
            "/connections",
            body=body,
            idempotent=False,
            secrets=payloads.secret_values(auth),
        )
        return created_from(response)

    def get_base_connection(self, connection_id: str) -> dict[str, Any]:
        return self._single(Operation.GET_BASE, f"/connections/{quote_id(connection_id)}", connection_id)

    def list_connections(self, *, property: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """GET /connections, every page, filtered by a `property` expression such as `name==X`.

        `limit` is the page size asked of Adobe, not a cap on the answer.
        """
        return self._list(Operation.LIST_BASE, "/connections", property=property, limit=limit)

    def find_base_connection(self, name: str) -> dict[str, Any] | None:
        """The base connection with exactly this name, if Flow Service has one (all pages are searched)."""
        return _first_named(self._named(Operation.LIST_BASE, "/connections", name), name)

    def check_connection(self, connection_id: str) -> ConnectionTest:
        """GET /connections/{id}/test, decided by the documented `result` field only.

        Adobe's documents are silent: on whether credentials Azure refuses answer 200 `{"result": false}`
        (the emulator's choice) or an error; an error answer is raised as the typed error it is, so the
        caller shows the check as not decided rather than failed.
        """
        response = self._request(
            Operation.TEST,
            "GET",
            f"/connections/{quote_id(connection_id)}/test",
            idempotent=True,
            connection_id=connection_id,
        )
        body = json_body(response)
        result = body.get("result") if isinstance(body, dict) else None
        if isinstance(result, bool):
            return ConnectionTest(Verdict.PASSED if result else Verdict.FAILED)
        return ConnectionTest(Verdict.UNKNOWN, adobe_said=as_shown(response))

    def test_connection(self, connection_id: str) -> bool:
        """True or False as Adobe's test says; an unrecognised answer raises UnrecognisedAnswerError.

        Kept for callers written before `check_connection`, which returns the verdict instead.
        """
        test = self.check_connection(connection_id)
        if test.accepted is None:
            raise UnrecognisedAnswerError(f"Adobe said: {test.adobe_said}", status=200)
        return test.accepted

    def list_event_hubs(self, connection_id: str) -> HubListing:
        """GET /connections/{id}/explore?objectType=root: the namespace's event hubs, classified.

        Adobe's documents are silent: on explore for Event Hubs (no example). Each entry's `name` is read
        as an event hub, from the generic explore shape ({type, name, path, canPreview, canFetchSchema}).
        Adobe's documents are silent too on how explore refuses: a Flow Service error answer (4xx with a
        code) is FAILED with Adobe's own words, never matched against Azure's prose; a 2xx of another
        shape is UNKNOWN.
        """
        try:
            response = self._request(
                Operation.EXPLORE,
                "GET",
                f"/connections/{quote_id(connection_id)}/explore",
                params={"objectType": "root"},
                idempotent=True,
                connection_id=connection_id,
            )
        except FlowServiceError as error:
            if error.status is not None and 400 <= error.status < 500 and error.code and "-" in error.code:
                return HubListing(Verdict.FAILED, code=error.code, adobe_said=error.message)
            raise
        body = json_body(response)
        if isinstance(body, list) and all(isinstance(e, dict) and isinstance(e.get("name"), str) for e in body):
            return HubListing(Verdict.PASSED, hubs=tuple(str(e["name"]) for e in body))
        return HubListing(Verdict.UNKNOWN, adobe_said=as_shown(response))

    def explore(self, connection_id: str, object_type: str = "root") -> list[dict[str, Any]]:
        """GET /connections/{id}/explore: for Event Hubs, the namespace's event hubs (raw entries)."""
        response = self._request(
            Operation.EXPLORE,
            "GET",
            f"/connections/{quote_id(connection_id)}/explore",
            params={"objectType": object_type},
            idempotent=True,
            connection_id=connection_id,
        )
        body = json_body(response)
        if not isinstance(body, list):
            raise UnrecognisedAnswerError(f"Adobe said: {as_shown(response)}", status=response.status_code)
        return body

    def update_credentials(self, connection_id: str, *, etag: str, auth: EventHubAuth) -> Created:
        """PATCH /connections/{id} replacing the auth params, guarded by If-Match."""
        response = self._patch_with_if_match(
            Operation.UPDATE_CREDENTIALS,
            "connections",
            connection_id,
            etag=etag,
            body=payloads.credentials_patch_body(auth),
            secrets=payloads.secret_values(auth),
        )
        return created_from(response)

    def delete_base_connection(self, connection_id: str) -> None:
        """DELETE /connections/{id} (204). Deleting twice is harmless, so a lost answer may be retried."""
        self._request(
            Operation.DELETE_BASE,
            "DELETE",
            f"/connections/{quote_id(connection_id)}",
            idempotent=True,
            connection_id=connection_id,
        )

    # Source connections

    def create_source_connection(
        self, *, name: str, description: str, base_connection_id: str, params: SourceParams
    ) -> Created:
        """POST /sourceConnections; never retried once sent."""
        body = payloads.source_connection_body(
            name=name, description=description, base_connection_id=base_connection_id, params=params
        )
        response = self._request(Operation.CREATE_SOURCE, "POST", "/sourceConnections", body=body, idempotent=False)
        return created_from(response)

    def get_source_connection(self, source_connection_id: str) -> dict[str, Any]:
        path = f"/sourceConnections/{quote_id(source_connection_id)}"
        return self._single(Operation.GET_SOURCE, path, source_connection_id)

    def list_source_connections(
        self, *, property: str | None = None, limit: int | None = None, most: int | None = None
    ) -> list[dict[str, Any]]:
        """GET /sourceConnections, every page (`limit` a page); `most` stops reading once that many are read."""
        return self._list(Operation.LIST_SOURCE, "/sourceConnections", property=property, limit=limit, most=most)

    def find_source_connection(self, name: str) -> dict[str, Any] | None:
        return _first_named(self._named(Operation.LIST_SOURCE, "/sourceConnections", name), name)

    def update_source_connection(self, source_connection_id: str, *, etag: str, params: SourceParams) -> Created:
        """PATCH /sourceConnections/{id} replacing its params, guarded by If-Match."""
        response = self._patch_with_if_match(
            Operation.UPDATE_SOURCE,
            "sourceConnections",
            source_connection_id,
            etag=etag,
            body=payloads.source_patch_body(params),
        )
        return created_from(response)

    def delete_source_connection(self, source_connection_id: str) -> None:
        self._request(
            Operation.DELETE_SOURCE, "DELETE", f"/sourceConnections/{quote_id(source_connection_id)}", idempotent=True
        )

    # Connection specs

    # Sandboxes

    def list_sandboxes(self) -> list[Sandbox]:
        """The active sandboxes the credential may use (GET /sandbox-management/, listAvailableSandboxes)."""
        response = self._request(Operation.LIST_SANDBOXES, "GET", "/", idempotent=True, service=Service.SANDBOX)
        body = json_body(response)
        if not isinstance(body, dict) or not isinstance(body.get("sandboxes"), list):
            raise UnrecognisedAnswerError(f"Adobe said: {as_shown(response)}", status=response.status_code)
        return [sandbox for item in body["sandboxes"] if (sandbox := _sandbox(item)) is not None]

    def get_connection_spec(self, spec_id: str = EVENT_HUBS_CONNECTION_SPEC_ID) -> dict[str, Any]:
        return self._single(Operation.GET_SPEC, f"/connectionSpecs/{quote_id(spec_id)}", None)


def _sandbox(item: Any) -> Sandbox | None:
    """A usable sandbox of Sandbox Management's list, or None (another state, or an entry not understood)."""
    if not isinstance(item, dict) or not isinstance(item.get("name"), str) or item.get("state", "active") != "active":
        return None
    return Sandbox(str(item["name"]), str(item.get("title") or item["name"]), item.get("type") == "production")


def _first_named(items: Iterable[dict[str, Any]], name: str) -> dict[str, Any] | None:
    # The filter is Adobe's; checking the name again costs nothing and guards a loose match.
    return next((item for item in items if item.get("name") == name), None)
