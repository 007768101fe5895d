"""The Flow Service client: every call goes through one private request path."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import requests
from requests.auth import AuthBase

from . import payloads
from .errors import AuthenticationError, FlowServiceError, NotFoundError, ValidationError, parse_error_body
from .ims import ImsTokenProvider
from .retry import RetryPolicy
from .transport import Attempt, Timeouts, send_with_retries
from .types import (
    EVENT_HUBS_CONNECTION_SPEC_ID,
    CallRecord,
    Created,
    EventHubAuth,
    SourceParams,
)

Observer = Callable[[CallRecord], None]


class AdobeAuth(AuthBase):
    """The headers every Platform API call carries, set in this one place."""

    def __init__(self, *, token: str, api_key: str, org_id: str, sandbox_name: str) -> None:
        self._token = token
        self.api_key = api_key
        self.org_id = org_id
        self.sandbox_name = sandbox_name

    def __repr__(self) -> str:
        return f"AdobeAuth(org_id={self.org_id!r}, sandbox_name={self.sandbox_name!r})"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        request.headers["x-api-key"] = self.api_key
        request.headers["x-gw-ims-org-id"] = self.org_id
        request.headers["x-sandbox-name"] = self.sandbox_name
        request.headers["Accept"] = "application/json"
        if request.body is not None:
            request.headers["Content-Type"] = "application/json"
        return request


class FlowServiceClient:
    """Adobe Flow Service for one organization and sandbox, as the Event Hubs tutorial uses it."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        org_id: str,
        sandbox_name: str,
        token_provider: ImsTokenProvider,
        session: requests.Session | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        observer: Observer | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.org_id = org_id
        self.sandbox_name = sandbox_name
        self._tokens = token_provider
        self._session = session or requests.Session()
        self._timeouts = timeouts or Timeouts()
        self._retry = retry or RetryPolicy()
        self._observer = observer

    def __repr__(self) -> str:
        return f"FlowServiceClient(base_url={self.base_url!r}, sandbox_name={self.sandbox_name!r})"

    # Base connections

    def create_base_connection(self, *, name: str, description: str, auth: EventHubAuth) -> Created:
        """POST /connections; never retried once sent (a create is not idempotent)."""
        body = payloads.base_connection_body(name=name, description=description, auth=auth)
        response = self._request(
            "create_base_connection",
            "POST",
            "/connections",
            body=body,
            idempotent=False,
            secrets=payloads.secret_values(auth),
        )
        return _created(response)

    def get_base_connection(self, connection_id: str) -> dict[str, Any]:
        return self._single("get_base_connection", f"/connections/{_q(connection_id)}", connection_id)

    def list_connections(self, *, property: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """GET /connections, filtered by a `property` expression such as `name==X`."""
        return self._list("list_connections", "/connections", property=property, limit=limit)

    def find_base_connection(self, name: str) -> dict[str, Any] | None:
        """The base connection with exactly this name, if Flow Service has one."""
        return _first_named(self.list_connections(property=f"name=={name}"), name)

    def test_connection(self, connection_id: str) -> bool:
        """GET /connections/{id}/test: does Adobe reach Event Hubs with these credentials?"""
        response = self._request(
            "test_connection",
            "GET",
            f"/connections/{_q(connection_id)}/test",
            idempotent=True,
            connection_id=connection_id,
        )
        return bool(response.json().get("result"))

    def explore(self, connection_id: str, object_type: str = "root") -> list[dict[str, Any]]:
        """GET /connections/{id}/explore: for Event Hubs, the namespace's event hubs."""
        response = self._request(
            "explore",
            "GET",
            f"/connections/{_q(connection_id)}/explore",
            params={"objectType": object_type},
            idempotent=True,
            connection_id=connection_id,
        )
        body = response.json()
        if not isinstance(body, list):
            raise ValidationError("Flow Service answered explore with something other than a list.")
        return body

    def update_credentials(self, connection_id: str, *, etag: str, auth: EventHubAuth) -> Created:
        """PATCH /connections/{id} replacing the auth params, guarded by If-Match."""
        response = self._request(
            "update_credentials",
            "PATCH",
            f"/connections/{_q(connection_id)}",
            body=payloads.credentials_patch_body(auth),
            headers={"If-Match": etag},
            idempotent=False,
            connection_id=connection_id,
            secrets=payloads.secret_values(auth),
        )
        return _created(response)

    # Source connections

    def create_source_connection(
        self, *, name: str, description: str, base_connection_id: str, params: SourceParams
    ) -> Created:
        """POST /sourceConnections; never retried once sent."""
        body = payloads.source_connection_body(
            name=name, description=description, base_connection_id=base_connection_id, params=params
        )
        response = self._request("create_source_connection", "POST", "/sourceConnections", body=body, idempotent=False)
        return _created(response)

    def get_source_connection(self, source_connection_id: str) -> dict[str, Any]:
        path = f"/sourceConnections/{_q(source_connection_id)}"
        return self._single("get_source_connection", path, source_connection_id)

    def list_source_connections(self, *, property: str | None = None) -> list[dict[str, Any]]:
        return self._list("list_source_connections", "/sourceConnections", property=property, limit=None)

    def find_source_connection(self, name: str) -> dict[str, Any] | None:
        return _first_named(self.list_source_connections(property=f"name=={name}"), name)

    # Connection specs

    def get_connection_spec(self, spec_id: str = EVENT_HUBS_CONNECTION_SPEC_ID) -> dict[str, Any]:
        return self._single("get_connection_spec", f"/connectionSpecs/{_q(spec_id)}", None)

    # The one request path

    def _single(self, operation: str, path: str, connection_id: str | None) -> dict[str, Any]:
        response = self._request(operation, "GET", path, idempotent=True, connection_id=connection_id)
        items = response.json().get("items") or []
        if not items:
            raise NotFoundError(f"Flow Service has no item at {path}.", status=response.status_code)
        item: dict[str, Any] = items[0]
        return item

    def _list(self, operation: str, path: str, *, property: str | None, limit: int | None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {}
        if property:
            params["property"] = property
        if limit:
            params["limit"] = limit
        response = self._request(operation, "GET", path, params=params or None, idempotent=True)
        items: list[dict[str, Any]] = response.json().get("items") or []
        return items

    def _request(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        idempotent: bool,
        connection_id: str | None = None,
        secrets: tuple[str, ...] = (),
    ) -> requests.Response:
        """Send with the Adobe headers; on a 401, get a new token once and send again.

        `secrets` are the secret values the body carries: should an answer echo one, it is masked
        in the error raised and in the record reported, as it already is in the request body.
        """
        url = self.base_url + path
        # Shown unencoded: the history is read by people (`?property=name==Orders (eh-1a2b)`).
        shown_path = path + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")
        renewed = False
        while True:
            token = self._tokens.token(self._observer)
            auth = AdobeAuth(token=token, api_key=self.api_key, org_id=self.org_id, sandbox_name=self.sandbox_name)

            def report(attempt: Attempt) -> None:
                if self._observer is not None:
                    record = _record(operation, method, shown_path, body, attempt, connection_id)
                    self._observer(replace(record, response_body=payloads.forget(record.response_body, secrets)))

            try:
                return send_with_retries(
                    self._session,
                    method,
                    url,
                    json=body,
                    params=params,
                    headers=headers,
                    auth=auth,
                    timeouts=self._timeouts,
                    retry=self._retry,
                    idempotent=idempotent,
                    report=report,
                )
            except FlowServiceError as error:
                if isinstance(error, AuthenticationError) and error.status == 401 and not renewed:
                    # A 401 was refused before any work was done, so sending again is safe.
                    self._tokens.invalidate(token)
                    renewed = True
                    continue
                error.message = payloads.forget(error.message, secrets)
                error.args = (error.message,)
                raise


def _q(value: str) -> str:
    return quote(value, safe="")


def _created(response: requests.Response) -> Created:
    body = response.json()
    return Created(id=str(body["id"]), etag=str(body["etag"]))


def _first_named(items: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    # The filter is Adobe's; checking the name again costs nothing and guards a loose match.
    return next((item for item in items if item.get("name") == name), None)


def _record(
    operation: str, method: str, path: str, body: Any, attempt: Attempt, connection_id: str | None
) -> CallRecord:
    response = attempt.response
    response_body: Any = None
    code = request_id = None
    if response is not None:
        try:
            response_body = payloads.redact(response.json()) if response.content else None
        except ValueError:
            response_body = {"text": response.text[:500]}
        request_id = response.headers.get("x-request-id")
        if not response.ok:
            code, _, body_request_id = parse_error_body(response_body)
            request_id = request_id or body_request_id
        elif isinstance(response_body, dict) and connection_id is None:
            connection_id = response_body.get("id")
    error = attempt.error
    return CallRecord(
        operation=operation,
        method=method,
        path=path,
        status=response.status_code if response is not None else None,
        duration_ms=attempt.duration_ms,
        outcome=attempt.outcome,
        request_body=payloads.redact(body) if body is not None else None,
        response_body=response_body,
        error_code=code,
        request_id=request_id,
        error_message=error.message if error else None,
        connection_id=connection_id,
        attempt=attempt.number,
    )
