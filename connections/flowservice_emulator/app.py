"""The emulator's routes: Flow Service (the Event Hubs subset), IMS, and the test controls.

Each handler takes a Request and returns a Response; nothing here knows about sockets.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from . import spec as eh_spec
from .azure import AzureError, SimulatedAzure
from .faults import Fault, FaultRegistry
from .http import Request, Response, content_type_error, flow_error, gateway_error, ims_error
from .store import CONNECTIONS, SOURCE_CONNECTIONS, Store

FLOW_PREFIX = "/data/foundation/flowservice"
TOKEN_PATH = "/ims/token/v3"
CONTROL_PREFIX = "/__emulator__"
SECRET_MASK = "********"
NOT_FOUND = "The requested resource is not found. Error from flow provider: Resource with given id does not exist."
log = logging.getLogger("flowservice_emulator")


@dataclass(frozen=True)
class Caller:
    """Who is calling, from the headers that passed the gateway checks."""

    client_id: str
    org: str
    sandbox: str


Handler = Callable[..., Response]


def hash_secret(value: str) -> str:
    """Keep secrets the way a careful service does: never in plain text, even here."""
    salt = secrets.token_hex(8)
    return f"sha256${salt}${hashlib.sha256((salt + value).encode()).hexdigest()}"


def same_secret(stored: str, plain: str) -> bool:
    if not stored.startswith("sha256$"):
        return hmac.compare_digest(stored, plain)
    _, salt, digest = stored.split("$", 2)
    return hmac.compare_digest(digest, hashlib.sha256((salt + plain).encode()).hexdigest())


def new_etag() -> str:
    return f'"{secrets.token_hex(4)}-0000-0200-0000-{secrets.token_hex(6)}"'


def _unquote(etag: str) -> str:
    return etag.strip().removeprefix("W/").strip('"')


def _now_ms() -> int:
    return int(time.time() * 1000)


class Emulator:
    def __init__(
        self,
        *,
        store: Store,
        azure: SimulatedAzure,
        client_id: str | None = None,
        client_secret: str | None = None,
        org_id: str | None = None,
        token_lifetime: float = 86399.0,
        sandboxes: tuple[str, ...] = ("prod", "dev"),
        faults_enabled: bool = False,
    ) -> None:
        self.store = store
        self.azure = azure
        self.client_id = client_id
        self.client_secret = client_secret
        self.org_id = org_id
        self.token_lifetime = token_lifetime
        self.sandboxes = sandboxes
        self.faults_enabled = faults_enabled
        self.faults = FaultRegistry()
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = [
            ("GET", re.compile(r"/connections"), self.list_connections),
            ("POST", re.compile(r"/connections"), self.create_connection),
            ("GET", re.compile(r"/connections/(?P<rid>[^/]+)"), self.get_connection),
            ("PATCH", re.compile(r"/connections/(?P<rid>[^/]+)/?"), self.patch_connection),
            ("DELETE", re.compile(r"/connections/(?P<rid>[^/]+)/?"), self.delete_connection),
            ("GET", re.compile(r"/connections/(?P<rid>[^/]+)/test"), self.test_connection),
            ("GET", re.compile(r"/connections/(?P<rid>[^/]+)/explore"), self.explore_connection),
            ("GET", re.compile(r"/connectionSpecs"), self.list_specs),
            ("GET", re.compile(r"/connectionSpecs/(?P<rid>[^/]+)"), self.get_spec),
            ("GET", re.compile(r"/sourceConnections"), self.list_source_connections),
            ("POST", re.compile(r"/sourceConnections"), self.create_source_connection),
            ("GET", re.compile(r"/sourceConnections/(?P<rid>[^/]+)"), self.get_source_connection),
            ("DELETE", re.compile(r"/sourceConnections/(?P<rid>[^/]+)/?"), self.delete_source_connection),
        ]

    # Entry point

    def handle(self, request: Request) -> Response:
        """Answer one request; a bug here becomes a documented 500, never a stack trace."""
        try:
            response = self._handle_with_faults(request)
        except Exception:
            log.exception("emulator error on %s %s", request.method, request.path)
            response = flow_error(request, "1102-500", "An internal error has occurred. Please try again.")
        response.headers.setdefault("x-request-id", request.request_id)
        if response.body is not None:
            response.headers.setdefault("Content-Type", "application/json")
        return response

    def _handle_with_faults(self, request: Request) -> Response:
        if request.path.startswith(CONTROL_PREFIX):
            return self._control(request)
        fault = self.faults.take(request) if self.faults_enabled else None
        if fault and fault.phase == "before":
            time.sleep(fault.delay)
            injected = fault.response(request)
            if injected is not None:
                return injected
        response = self._dispatch(request)
        if fault and fault.phase == "after":
            time.sleep(fault.delay)
            injected = fault.response(request)
            if injected is not None:
                return injected
        return response

    def _dispatch(self, request: Request) -> Response:
        if request.path == TOKEN_PATH:
            if request.method != "POST":
                return ims_error(405, "invalid_request", "Use POST to request a token.")
            return self.issue_token(request)
        if not (request.path == FLOW_PREFIX or request.path.startswith(FLOW_PREFIX + "/")):
            return gateway_error(404, "404000", "Resource not found")
        caller_or_error = self._gateway(request)
        if isinstance(caller_or_error, Response):
            return caller_or_error
        sub_path = request.path[len(FLOW_PREFIX) :]
        matched = [(m, h, match) for m, p, h in self.routes if (match := p.fullmatch(sub_path))]
        if not matched:
            return flow_error(request, "1101-404", NOT_FOUND)
        for method, handler, match in matched:
            if method == request.method:
                return handler(request, caller_or_error, **match.groupdict())
        return gateway_error(405, "405000", f"Method {request.method} is not allowed on {sub_path}")

    # The gateway's checks, in the order Adobe's gateway applies them

    def _gateway(self, request: Request) -> Caller | Response:
        authorization = request.headers.get("Authorization") or ""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return gateway_error(403, "403010", "Oauth token is missing.")
        client_id = self.store.token_client(token.strip())
        if client_id is None:
            return gateway_error(401, "401013", "Oauth token is not valid")
        api_key = request.headers.get("x-api-key")
        if not api_key:
            return gateway_error(403, "403000", "Api Key is required")
        if api_key != client_id:
            return gateway_error(403, "403003", "Api Key is invalid")
        org = request.headers.get("x-gw-ims-org-id")
        if not org:
            return gateway_error(400, "400003", "Missing header (x-gw-ims-org-id)")
        if not org.endswith("@AdobeOrg") or (self.org_id and org != self.org_id):
            return gateway_error(403, "403025", "Profile is not valid")
        sandbox = request.headers.get("x-sandbox-name")
        if not sandbox:
            return flow_error(
                request,
                "2105-400",
                "The header x-sandbox-name is missing in the request. "
                "Please add the header in the request and try again.",
            )
        if sandbox not in self.sandboxes:
            return flow_error(
                request,
                "2100-404",
                f"The sandbox with the name '{sandbox}' could not be found. "
                "Please ensure that the sandbox name is correct and try again.",
            )
        if request.method in ("POST", "PATCH", "PUT"):
            content_type = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if content_type != "application/json":
                return content_type_error()
        return Caller(client_id, org, sandbox)

    def _json_body(self, request: Request) -> Any:
        """The parsed body, or the Response that refuses it."""
        if not request.body.strip():
            return flow_error(
                request,
                "1405-400",
                "The request body cannot be null or empty. Please provide a request body and try again.",
            )
        try:
            return json.loads(request.body)
        except ValueError:
            return flow_error(request, "1100-400", "The request could not be processed. The body is not valid JSON.")

    # IMS

    def issue_token(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs(request.body.decode(errors="replace")).items()}
        form.update({k: v[0] for k, v in request.query.items() if k not in form})
        if form.get("grant_type") != "client_credentials":
            return ims_error(400, "unsupported_grant_type", "grant_type must be client_credentials")
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if not client_id or (self.client_id is not None and client_id != self.client_id):
            return ims_error(400, "invalid_client", "invalid client_id parameter")
        if not secret or (self.client_secret is not None and secret != self.client_secret):
            return ims_error(400, "invalid_client", "invalid client_secret parameter")
        if not form.get("scope", "").strip():
            return ims_error(400, "invalid_scope", "invalid scope parameter")
        token = self.store.issue_token(client_id, self.token_lifetime)
        return Response(200, {"access_token": token, "token_type": "bearer", "expires_in": int(self.token_lifetime)})

    # Base connections

    def create_connection(self, request: Request, caller: Caller) -> Response:
        body = self._json_body(request)
        if isinstance(body, Response):
            return body
        problem = self._check_connection_body(request, body)
        if problem:
            return problem
        auth = body["auth"]
        doc = self._new_doc(caller, body) | {
            "connectionSpec": {"id": eh_spec.EVENT_HUBS_SPEC_ID, "version": "1.0"},
            "auth": {"specName": auth["specName"], "params": _hash_secrets(auth["specName"], auth["params"])},
        }
        self.store.insert(CONNECTIONS, doc)
        return self._created(request, "connections", doc)

    def _check_connection_body(self, request: Request, body: Any) -> Response | None:
        if not isinstance(body, dict):
            return flow_error(
                request, "1100-400", "The request could not be processed. The body must be a JSON object."
            )
        refused = _mandatory(request, body, "name") or self._check_spec_ref(request, body)
        if refused:
            return refused
        auth = body.get("auth")
        if not isinstance(auth, dict) or not auth.get("specName"):
            return _missing(request, "auth.specName")
        schema = eh_spec.auth_spec(str(auth["specName"]))
        if schema is None:
            return flow_error(
                request,
                "1415-400",
                f"The auth spec '{auth['specName']}' could not be found for the connection spec ID "
                f"{eh_spec.EVENT_HUBS_SPEC_ID}.",
            )
        try:
            eh_spec.validate_params(schema, auth.get("params"), where="auth.params")
        except eh_spec.ParamError as exc:
            return flow_error(request, exc.code, exc.message)
        return None

    def _check_spec_ref(self, request: Request, body: dict[str, Any]) -> Response | None:
        ref = body.get("connectionSpec")
        if not isinstance(ref, dict) or not ref.get("id"):
            return _missing(request, "connectionSpec.id")
        if ref["id"] != eh_spec.EVENT_HUBS_SPEC_ID or ref.get("version", "1.0") != "1.0":
            return flow_error(
                request, "1413-400", "The spec ID provided is invalid. Please provide a valid spec ID and try again."
            )
        return None

    def get_connection(self, request: Request, caller: Caller, rid: str) -> Response:
        doc = self.store.get(CONNECTIONS, rid, caller.org, caller.sandbox)
        if doc is None:
            return flow_error(request, "1101-404", NOT_FOUND)
        return Response(200, {"items": [_masked(doc)]})

    def list_connections(self, request: Request, caller: Caller) -> Response:
        return self._list(request, caller, CONNECTIONS)

    def patch_connection(self, request: Request, caller: Caller, rid: str) -> Response:
        doc = self.store.get(CONNECTIONS, rid, caller.org, caller.sandbox)
        if doc is None:
            return flow_error(request, "1101-404", NOT_FOUND)
        if_match = request.headers.get("If-Match")
        if not if_match:
            return flow_error(
                request,
                "1403-400",
                "The header 'If-Match' is missing in the request. Please provide the header and try again.",
            )
        if _unquote(if_match) != _unquote(doc["etag"]):
            return flow_error(
                request,
                "1404-412",
                f"The supplied version '{if_match}' does not match the current version on entity "
                f"'{_unquote(doc['etag'])}'. Please ensure that the supplied version matches the current "
                "version on entity and try again.",
            )
        body = self._json_body(request)
        if isinstance(body, Response):
            return body
        operations = body if isinstance(body, list) else [body]
        if not operations:
            return flow_error(request, "1405-400", "The request body cannot be null or empty.")
        updated = json.loads(json.dumps(doc))
        for operation in operations:
            refused = self._apply_patch(request, updated, operation)
            if refused:
                return refused
        schema = eh_spec.auth_spec(updated["auth"]["specName"]) or {"properties": {}}
        try:
            eh_spec.validate_params(schema, updated["auth"]["params"], where="auth.params")
        except eh_spec.ParamError as exc:
            return flow_error(request, exc.code, exc.message)
        updated.update(
            etag=new_etag(),
            updatedAt=_now_ms(),
            updatedBy=f"{caller.client_id}@AdobeID",
            updatedClient=caller.client_id,
        )
        updated["version"] = updated["etag"]
        self.store.replace(CONNECTIONS, updated)
        return Response(200, {"id": updated["id"], "etag": updated["etag"]})

    def _apply_patch(self, request: Request, doc: dict[str, Any], operation: Any) -> Response | None:
        if not isinstance(operation, dict) or "op" not in operation or "path" not in operation:
            return flow_error(
                request,
                "1455-400",
                "An error has occurred while validating patch instructions: each instruction needs op and path.",
            )
        op, path, value = str(operation["op"]).lower(), str(operation["path"]).rstrip("/"), operation.get("value")
        if op not in ("add", "replace", "remove"):
            return flow_error(request, "1100-400", f"The request could not be processed. Unsupported operation '{op}'.")
        spec_name = doc["auth"]["specName"]
        if path in ("/name", "/description"):
            field = path[1:]
            if op == "remove":
                doc.pop(field, None)
            else:
                doc[field] = str(value)
        elif path == "/auth/params" and op != "remove" and isinstance(value, dict):
            doc["auth"]["params"] = _hash_secrets(spec_name, value)
        elif path.startswith("/auth/params/"):
            key = path.rsplit("/", 1)[1]
            params = doc["auth"]["params"]
            if op == "remove":
                if key not in params:
                    return flow_error(
                        request,
                        "1455-400",
                        f'An error has occurred while validating patch instructions: Missing field "{key}".',
                    )
                params.pop(key)
            else:
                params.update(_hash_secrets(spec_name, {key: value}))
        elif path.startswith("/connectionSpec"):
            return flow_error(request, "1414-400", "The connection spec of a connection cannot be updated.")
        elif path.startswith("/auth"):
            return flow_error(
                request,
                "1100-400",
                "The request could not be processed. The authentication type "
                "of a base connection cannot be changed; create a new base connection instead.",
            )
        else:
            return flow_error(
                request,
                "1455-400",
                f'An error has occurred while validating patch instructions: Missing field "{path.lstrip("/")}".',
            )
        return None

    def delete_connection(self, request: Request, caller: Caller, rid: str) -> Response:
        if self.store.get(CONNECTIONS, rid, caller.org, caller.sandbox) is None:
            return flow_error(request, "1101-404", NOT_FOUND)
        self.store.delete(CONNECTIONS, rid)
        return Response(204)

    def test_connection(self, request: Request, caller: Caller, rid: str) -> Response:
        doc = self.store.get(CONNECTIONS, rid, caller.org, caller.sandbox)
        if doc is None:
            return flow_error(request, "1101-404", NOT_FOUND)
        result = self.azure.test(doc["auth"]["specName"], doc["auth"]["params"], same_secret)
        return Response(200, {"result": result})

    def explore_connection(self, request: Request, caller: Caller, rid: str) -> Response:
        doc = self.store.get(CONNECTIONS, rid, caller.org, caller.sandbox)
        if doc is None:
            return flow_error(request, "1101-404", NOT_FOUND)
        object_type = (request.arg("objectType") or "").lower()
        if object_type not in ("root", "table", "file", "folder", "rest"):
            return flow_error(
                request,
                "1358-400",
                "The provided param 'objectType' is invalid. Please provide a valid objectType and try again.",
            )
        if object_type != "root":
            return flow_error(
                request, "1358-400", f"Azure Event Hubs can only be explored with objectType=root, not {object_type}."
            )
        try:
            hubs = self.azure.explore(doc["auth"]["specName"], doc["auth"]["params"], same_secret)
        except AzureError as exc:
            return flow_error(request, "1308-400", f"The request could not be processed. Error message: {exc}")
        # One entry per event hub; Adobe publishes no Event Hubs example of this shape (UNCONFIRMED).
        return Response(
            200,
            [
                {"type": "folder", "name": hub, "path": hub, "canPreview": False, "canFetchSchema": False}
                for hub in hubs
            ],
        )

    # Connection specs

    def list_specs(self, request: Request, caller: Caller) -> Response:
        return Response(200, {"items": [eh_spec.CONNECTION_SPEC]})

    def get_spec(self, request: Request, caller: Caller, rid: str) -> Response:
        if rid != eh_spec.EVENT_HUBS_SPEC_ID:
            return flow_error(request, "1101-404", NOT_FOUND)
        return Response(200, {"items": [eh_spec.CONNECTION_SPEC]})

    # Source connections

    def create_source_connection(self, request: Request, caller: Caller) -> Response:
        body = self._json_body(request)
        if isinstance(body, Response):
            return body
        if not isinstance(body, dict):
            return flow_error(
                request, "1100-400", "The request could not be processed. The body must be a JSON object."
            )
        refused = (
            _mandatory(request, body, "name")
            or self._check_spec_ref(request, body)
            or self._check_format(request, body)
            or self._check_base(request, caller, body)
        )
        if refused:
            return refused
        params = body.get("params")
        try:
            eh_spec.validate_params(eh_spec.SOURCE_SPEC["spec"], params, where="params")
        except eh_spec.ParamError as exc:
            return flow_error(request, exc.code, exc.message)
        doc = self._new_doc(caller, body) | {
            "baseConnectionId": body["baseConnectionId"],
            "connectionSpec": {"id": eh_spec.EVENT_HUBS_SPEC_ID, "version": "1.0"},
            "data": {"format": body["data"]["format"]},
            "params": {"reset": "earliest", "consumerGroup": "$Default", **(params or {})},
            "providerRefId": eh_spec.CONNECTION_SPEC["providerId"],
            "inheritedAttributes": {
                "baseConnection": {
                    "id": body["baseConnectionId"],
                    "connectionSpec": {"id": eh_spec.EVENT_HUBS_SPEC_ID, "version": "1.0"},
                }
            },
        }
        self.store.insert(SOURCE_CONNECTIONS, doc)
        return self._created(request, "sourceConnections", doc)

    def _check_format(self, request: Request, body: dict[str, Any]) -> Response | None:
        data = body.get("data")
        if not isinstance(data, dict) or not data.get("format"):
            return _missing(request, "data.format")
        if data["format"] not in eh_spec.SUPPORTED_FORMATS:
            return flow_error(
                request,
                "1327-400",
                f"The format of source data supplied={data['format']} in SourceConnection is not supported. "
                f"The allowed values are: {eh_spec.SUPPORTED_FORMATS}. Please provide allowed values and try again.",
            )
        return None

    def _check_base(self, request: Request, caller: Caller, body: dict[str, Any]) -> Response | None:
        base_id = body.get("baseConnectionId")
        if not base_id:
            return _missing(request, "baseConnectionId")
        base = self.store.get(CONNECTIONS, str(base_id), caller.org, caller.sandbox)
        if base is None:
            # Adobe documents no code for this case (UNCONFIRMED); a 400 is what a client can act on.
            return flow_error(
                request,
                "1100-400",
                f"The request could not be processed. The base connection {base_id} does not exist "
                f"in sandbox '{caller.sandbox}'.",
            )
        return None

    def get_source_connection(self, request: Request, caller: Caller, rid: str) -> Response:
        doc = self.store.get(SOURCE_CONNECTIONS, rid, caller.org, caller.sandbox)
        if doc is None:
            return flow_error(request, "1101-404", NOT_FOUND)
        return Response(200, {"items": [doc]})

    def list_source_connections(self, request: Request, caller: Caller) -> Response:
        return self._list(request, caller, SOURCE_CONNECTIONS)

    def delete_source_connection(self, request: Request, caller: Caller, rid: str) -> Response:
        if self.store.get(SOURCE_CONNECTIONS, rid, caller.org, caller.sandbox) is None:
            return flow_error(request, "1101-404", NOT_FOUND)
        self.store.delete(SOURCE_CONNECTIONS, rid)
        return Response(204)

    # Shared pieces

    def _new_doc(self, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
        now, etag = _now_ms(), new_etag()
        return {
            "id": str(uuid.uuid4()),
            "createdAt": now,
            "updatedAt": now,
            "createdBy": f"{caller.client_id}@AdobeID",
            "updatedBy": f"{caller.client_id}@AdobeID",
            "createdClient": caller.client_id,
            "updatedClient": caller.client_id,
            "sandboxId": str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{caller.org}.{caller.sandbox}")),
            "sandboxName": caller.sandbox,
            "imsOrgId": caller.org,
            "name": str(body["name"]),
            "description": str(body.get("description") or ""),
            "state": "enabled",
            "version": etag,
            "etag": etag,
        }

    def _created(self, request: Request, collection: str, doc: dict[str, Any]) -> Response:
        host = request.headers.get("Host") or "127.0.0.1"
        location = f"http://{host}{FLOW_PREFIX}/{collection}/{doc['id']}"
        return Response(201, {"id": doc["id"], "etag": doc["etag"]}, {"Location": location})

    def _list(self, request: Request, caller: Caller, kind: str) -> Response:
        limit_arg, count_arg = request.arg("limit"), request.arg("count")
        if limit_arg and count_arg and count_arg.lower() == "true":
            return flow_error(
                request,
                "1401-400",
                "The limit and count parameters cannot be given together in "
                "the same request. Please provide either only the limit or the count parameter.",
            )
        try:
            predicates = _parse_property(request.arg("property"))
            limit = int(limit_arg) if limit_arg else 100
            offset = int(base64.urlsafe_b64decode(request.arg("continuationToken") or "MA==").decode())
        except ValueError as exc:
            return flow_error(request, "1453-400", f"Invalid query value provided in query param: {exc}")
        docs = [d for d in self.store.all(kind, caller.org, caller.sandbox) if all(p(d) for p in predicates)]
        docs = _ordered(docs, request.arg("orderby"))
        body: dict[str, Any] = {"items": [_masked(d) for d in docs[offset : offset + limit]]}
        if offset + limit < len(docs):
            token = base64.urlsafe_b64encode(str(offset + limit).encode()).decode()
            body["_links"] = {"next": {"href": f"/{kind}?continuationToken={token}&limit={limit}"}}
        if count_arg and count_arg.lower() == "true":
            body["count"] = len(docs)
        return Response(200, body)

    # Test controls (only with --faults)

    def _control(self, request: Request) -> Response:
        if not self.faults_enabled:
            return gateway_error(404, "404000", "Resource not found")
        action = (request.method, request.path[len(CONTROL_PREFIX) :])
        if action == ("POST", "/faults"):
            try:
                self.faults.add(Fault.from_json(json.loads(request.body or b"{}")))
            except (ValueError, TypeError) as exc:
                return Response(400, {"error": str(exc)})
            return Response(201, {"ok": True})
        if action == ("DELETE", "/faults"):
            self.faults.clear()
            return Response(204)
        if action == ("GET", "/stats"):
            return Response(200, self.stats())
        if action == ("POST", "/tokens/expire"):
            self.store.expire_tokens()
            return Response(204)
        if action == ("POST", "/reset"):
            self.faults.clear()
            self.store.reset()
            return Response(204)
        return Response(404, {"error": "unknown control"})

    def stats(self) -> dict[str, Any]:
        counters = self.store.counters()
        return {
            "tokensIssued": counters.get("tokens_issued", 0),
            "connections": self.store.count(CONNECTIONS),
            "sourceConnections": self.store.count(SOURCE_CONNECTIONS),
        }


def _mandatory(request: Request, body: dict[str, Any], field: str) -> Response | None:
    if body.get(field) in (None, ""):
        return _missing(request, field)
    return None


def _missing(request: Request, field: str) -> Response:
    return flow_error(
        request, "1304-400", f"The mandatory field {field} is not provided. Please provide the {field} and try again."
    )


def _hash_secrets(spec_name: str, params: dict[str, Any]) -> dict[str, Any]:
    secret_names = eh_spec.secret_params(spec_name)
    return {
        k: hash_secret(v) if k in secret_names and isinstance(v, str) and v and not v.startswith("sha256$") else v
        for k, v in params.items()
    }


def _masked(doc: dict[str, Any]) -> dict[str, Any]:
    """A connection as GET shows it: a partial view of the credentials, secrets masked."""
    if "auth" not in doc:
        return doc
    secret_names = eh_spec.secret_params(doc["auth"]["specName"])
    params = {k: SECRET_MASK if k in secret_names else v for k, v in doc["auth"]["params"].items()}
    return {**doc, "auth": {**doc["auth"], "params": params}}


def _lookup(doc: dict[str, Any], dotted: str) -> Any:
    value: Any = doc
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _parse_property(expression: str | None) -> list[Callable[[dict[str, Any]], bool]]:
    """`property=name==X,state==enabled`: equality and inequality filters, all must hold."""
    predicates: list[Callable[[dict[str, Any]], bool]] = []
    for part in filter(None, (expression or "").split(",")):
        match = re.fullmatch(r"([A-Za-z0-9_.]+)(==|!=)(.*)", part)
        if not match:
            raise ValueError(f"unsupported filter {part!r}")
        predicates.append(_predicate(*match.groups()))
    return predicates


def _predicate(field: str, operator: str, expected: str) -> Callable[[dict[str, Any]], bool]:
    def matches(doc: dict[str, Any]) -> bool:
        equal = str(_lookup(doc, field)) == expected
        return equal if operator == "==" else not equal

    return matches


def _ordered(docs: list[dict[str, Any]], orderby: str | None) -> list[dict[str, Any]]:
    if not orderby:
        return docs
    field = orderby.lstrip("+-")
    return sorted(docs, key=lambda d: str(_lookup(d, field) or ""), reverse=orderby.startswith("-"))
