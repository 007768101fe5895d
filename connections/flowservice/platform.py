"""The one request path to Adobe Experience Platform's APIs: headers, retries, paging, If-Match, records.

The Flow Service client and its dataflow methods are built on it; it knows nothing of Django."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from itertools import islice
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from requests.auth import AuthBase

from . import payloads
from .errors import (
    AuthenticationError,
    FlowServiceError,
    NotFoundError,
    PreconditionFailedError,
    TooManyPagesError,
    UnrecognisedAnswerError,
    parse_error_body,
)
from .ims import ImsTokenProvider
from .retry import RetryPolicy
from .transport import Attempt, send_with_retries
from .types import (
    CallRecord,
    Created,
    Operation,
    Service,
    Timeouts,
)

Observer = Callable[[CallRecord], None]

# A list read follows Adobe's pages to the end, but never further than this many pages. Adobe's documents
# are silent: on the default page size (the emulator's is 100). At 100 a page, that is 5,000 objects, far more
# than one sandbox holds for this app, and a bound that a faulty `next` link cannot run past.
MAX_PAGES = 50

# How Adobe's examples write If-Match, per resource. Connections: the connection-update example sends the
# etag unquoted (`If-Match: 1400dd53-...`), although the etag it returns is quoted. Flows: the dataflow
# examples send it quoted, as returned. A 412 is checked once against the current etag (see
# `_patch_with_if_match`), so if Adobe wants the other form a user is not locked out.
# Adobe's documents are silent: on the form for source connections (no PATCH example with If-Match); written
# like connections'.
IF_MATCH_QUOTED = {"connections": False, "sourceConnections": False, "flows": True}

# The read that re-checks a 412, per collection.
READ_OPERATION = {
    "connections": Operation.GET_BASE,
    "sourceConnections": Operation.GET_SOURCE,
    "targetConnections": Operation.GET_TARGET,
    "flows": Operation.GET_FLOW,
}

SHOWN_ANSWER_CHARS = 500


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
        # A call may ask for another form (the Schema Registry's `application/vnd.adobe.xed-...+json`);
        # otherwise JSON. `*/*` is what requests sends when nobody chose.
        if request.headers.get("Accept", "*/*") == "*/*":
            request.headers["Accept"] = "application/json"
        if request.body is not None:
            request.headers["Content-Type"] = "application/json"
        return request


class PlatformClient:
    """Experience Platform APIs for one organization and sandbox, through one private request path."""

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
        page_size: int | None = None,
        max_pages: int = MAX_PAGES,
        platform_url: str | None = None,
    ) -> None:
        """`base_url` is Flow Service's; the other services sit beside it under `platform_url`
        (https://platform.adobe.io/data/foundation), by default the parent of `base_url`."""
        self.base_url = base_url.rstrip("/")
        root = (platform_url or self.base_url.rsplit("/", 1)[0]).rstrip("/")
        self._service_urls = {service: f"{root}/{service.value}" for service in Service}
        self._service_urls[Service.FLOW] = self.base_url
        self.api_key = api_key
        self.org_id = org_id
        self.sandbox_name = sandbox_name
        self._tokens = token_provider
        self._session = session or requests.Session()
        self._timeouts = timeouts or Timeouts()
        self._retry = retry or RetryPolicy()
        self._observer = observer
        self._page_size = page_size  # None: Adobe's default page size
        self._max_pages = max_pages

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, sandbox_name={self.sandbox_name!r})"

    def _single(self, operation: Operation, path: str, connection_id: str | None) -> dict[str, Any]:
        response = self._request(operation, "GET", path, idempotent=True, connection_id=connection_id)
        body = json_body(response)
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise UnrecognisedAnswerError(f"Adobe said: {as_shown(response)}", status=response.status_code)
        if not items:
            raise NotFoundError(f"Flow Service has no item at {path}.", status=response.status_code)
        item: dict[str, Any] = items[0]
        return item

    def _named(self, operation: Operation, path: str, name: str) -> Iterator[dict[str, Any]]:
        """Every object the name filter returns, page after page, lazily: the search stops at the first match."""
        return self._pages(operation, path, {"property": f"name=={name}", **self._limit(None)})

    def _limit(self, limit: int | None) -> dict[str, Any]:
        size = limit or self._page_size
        return {"limit": size} if size else {}

    def _list(
        self, operation: Operation, path: str, *, property: str | None, limit: int | None, most: int | None = None
    ) -> list[dict[str, Any]]:
        """A list's items, page after page; `most` stops reading once that many are read."""
        params: dict[str, Any] = {"property": property} if property else {}
        return list(islice(self._pages(operation, path, {**params, **self._limit(limit)}), most))

    def _pages(
        self,
        operation: Operation,
        path: str,
        params: dict[str, Any],
        *,
        service: Service = Service.FLOW,
        items_key: str = "items",
        headers: dict[str, str] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """The items of a list read, following Adobe's paging to the last page (at most `max_pages`).

        Flow Service lists in `items`, the Schema Registry in `results`; both name the next page in
        `_links.next.href` (null or absent on the last page).

        Adobe's answer names the next page in `_links.next.href` (the OpenAPI example:
        `/connections?continuationToken=...`). Adobe's documents are silent: on a top-level
        `continuationToken` in list answers (the `limit` parameter's text says one is returned); when
        there is no link but such a token, it is sent back with the same query.
        """
        query: dict[str, Any] | None = params or None
        seen: set[str] = set()
        for _ in range(self._max_pages):
            response = self._request(
                operation, "GET", path, params=query, headers=headers, idempotent=True, service=service
            )
            body = json_body(response)
            if not isinstance(body, dict) or not isinstance(body.get(items_key, []), list):
                raise UnrecognisedAnswerError(f"Adobe said: {as_shown(response)}", status=response.status_code)
            yield from body.get(items_key) or []
            following = self._next_page(body, path, params, service)
            if following is None or following in seen:
                return  # the last page (a link to a page already read would loop)
            seen.add(following)
            path, query = following, None
        raise TooManyPagesError(
            f"Adobe kept listing after {self._max_pages} pages; the client stopped there.",
            status=200,
        )

    def _next_page(self, body: dict[str, Any], path: str, params: dict[str, Any], service: Service) -> str | None:
        """The path (with its query) of the next page, relative to the service, or None after the last.

        The Schema Registry names it in `_page.next`: the appendix makes it the `start` of the next request with
        the same `orderby` (its OpenAPI file calls it a URI; one that reads as a path or URL is followed as one).
        """
        schema_page = body.get("_page")
        following = schema_page.get("next") if isinstance(schema_page, dict) else None
        if isinstance(following, str) and following and "orderby" in params:
            if following.startswith(("/", "http://", "https://")):
                return self._service_path(following, service)
            return _with_query(path, {**params, "start": following})
        links = body.get("_links")
        next_link = links.get("next") if isinstance(links, dict) else None
        href = next_link.get("href") if isinstance(next_link, dict) else None
        if isinstance(href, str) and href:
            return self._service_path(href, service)
        token = body.get("continuationToken")
        if isinstance(token, str) and token:
            return _with_query(path, {**params, "continuationToken": token})
        return None

    def _service_path(self, href: str, service: Service) -> str:
        """An href from Adobe as a path below the service's URL; never another host (it would receive the token)."""
        base = urlsplit(self._service_urls[service])
        parts = urlsplit(href)
        if parts.netloc and (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
            raise UnrecognisedAnswerError(f"Adobe said: the next page is on another host ({parts.netloc}).")
        # Adobe's documents are silent: on what the href is relative to. The OpenAPI example reads as relative
        # to the service (`/connections?...`); a full path below the service's own path is accepted too.
        full = parts.path + (f"?{parts.query}" if parts.query else "")
        return full.removeprefix(base.path) if full.startswith(base.path + "/") else full

    # Updates guarded by If-Match

    def _patch_with_if_match(
        self,
        operation: Operation,
        collection: str,
        object_id: str,
        *,
        etag: str,
        body: Any,
        secrets: tuple[str, ...] = (),
    ) -> requests.Response:
        """PATCH with If-Match written as Adobe's example for `collection` shows it.

        A 412 is checked once: the current etag is read; if it is the one sent (only the quoting
        differed), the PATCH is sent once more with the etag written the other way. A different
        current etag is a real conflict, reported as the 412 it is.
        """
        path = f"/{collection}/{quote_id(object_id)}"
        quoted = IF_MATCH_QUOTED.get(collection, True)

        def send(as_quoted: bool) -> requests.Response:
            return self._request(
                operation,
                "PATCH",
                path,
                body=body,
                headers={"If-Match": _if_match(etag, quoted=as_quoted)},
                idempotent=False,
                connection_id=object_id,
                secrets=secrets,
            )

        try:
            return send(quoted)
        except PreconditionFailedError:
            current = self._single(READ_OPERATION[collection], path, object_id)
            if _bare(str(current.get("etag", ""))) != _bare(etag):
                raise
        return send(not quoted)

    # The one request path

    def _request(
        self,
        operation: Operation,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        idempotent: bool,
        connection_id: str | None = None,
        secrets: tuple[str, ...] = (),
        service: Service = Service.FLOW,
    ) -> requests.Response:
        """Send with the Adobe headers; on a 401, get a new token once and send again.

        `secrets` are the secret values the body carries: should an answer echo one, it is masked
        in the error raised and in the record reported, as it already is in the request body.
        """
        url = self._service_urls[service] + path
        # Shown unencoded: the history is read by people (`?property=name==Orders (eh-1a2b)`).
        shown_path = path + ("?" + "&".join(f"{k}={v}" for k, v in _pairs(params)) if params else "")
        report = self._reporter(operation, method, shown_path, body, connection_id, secrets)
        renewed = False
        while True:
            token = self._tokens.token(self._observer)
            auth = AdobeAuth(token=token, api_key=self.api_key, org_id=self.org_id, sandbox_name=self.sandbox_name)
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
                if not secrets:
                    raise
                raise error.with_message(lambda message: payloads.forget(message, secrets)) from None

    def _reporter(
        self,
        operation: Operation,
        method: str,
        shown_path: str,
        body: Any,
        connection_id: str | None,
        secrets: tuple[str, ...],
    ) -> Callable[[Attempt], None]:
        """What tells the observer about each attempt, bodies redacted and echoed secrets masked."""

        def report(attempt: Attempt) -> None:
            if self._observer is not None:
                record = _record(operation, method, shown_path, body, attempt, connection_id)
                self._observer(replace(record, response_body=payloads.forget(record.response_body, secrets)))

        return report


def _with_query(path: str, query: dict[str, Any]) -> str:
    return path.split("?", 1)[0] + "?" + "&".join(f"{k}={quote(str(v), safe='=')}" for k, v in _pairs(query))


def _pairs(params: dict[str, Any]) -> list[tuple[str, Any]]:
    """A query's name-value pairs, a list value as the parameter repeated (as requests sends it)."""
    return [(k, item) for k, v in params.items() for item in (v if isinstance(v, list) else [v])]


def _bare(etag: str) -> str:
    return etag.strip().removeprefix("W/").strip('"')


def _if_match(etag: str, *, quoted: bool) -> str:
    return f'"{_bare(etag)}"' if quoted else _bare(etag)


def json_body(response: requests.Response) -> Any:
    try:
        return response.json() if response.content else None
    except ValueError:
        return None


def as_shown(response: requests.Response) -> str:
    """Adobe's answer as text for a person to read, cut to a readable length (already redacted bodies only)."""
    text = response.text.strip() or f"an empty answer (HTTP {response.status_code})"
    body = json_body(response)
    if body is not None:
        text = json.dumps(payloads.redact(body), ensure_ascii=False)
    return text[:SHOWN_ANSWER_CHARS]


def quote_id(value: str) -> str:
    return quote(value, safe="")


def created_from(response: requests.Response) -> Created:
    body = json_body(response)
    if not (isinstance(body, dict) and isinstance(body.get("id"), str) and isinstance(body.get("etag"), str)):
        # Adobe answered 2xx, so the object may well exist: the outcome is unknown, and a retry looks
        # for it by name before creating anything.
        raise UnrecognisedAnswerError(
            f"Adobe said: {as_shown(response)}", status=response.status_code, outcome_unknown=True
        )
    return Created(id=body["id"], etag=body["etag"])


def _record(
    operation: Operation, method: str, path: str, body: Any, attempt: Attempt, connection_id: str | None
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
