"""The emulator: Adobe's services composed behind one dispatcher, with fault injection on every path.

Each service is a package (`ims/`, `flowservice/`, …) that gives a `Service`: its prefix, its route table and the
shape of its injected faults. This module only finds the service, runs the gateway's checks when the service is
behind it, calls the handler, and turns a raised Adobe error into its response.
"""

from __future__ import annotations

import logging
import time

from . import catalog, controls, dataprep, flowservice, ims, observability, sandbox, schemaregistry
from .azure import SimulatedAzure
from .errors import AdobeError
from .faults import Fault, FaultRegistry
from .flowservice.exceptions import InternalError
from .gateway import Gateway
from .gateway import exceptions as gateway_errors
from .http import Request, Response
from .routing import Service
from .store import Store

log = logging.getLogger("flowservice_emulator")
# The gateway answers these itself, whichever service is behind it (429 and 502 are test knobs, see exceptions).
GATEWAY_FAULTS: dict[int, type[AdobeError]] = {
    401: gateway_errors.InvalidToken,
    429: gateway_errors.TooManyRequests,
    502: gateway_errors.BadGateway,
}


class Emulator:
    def __init__(
        self,
        *,
        store: Store,
        azure: SimulatedAzure,
        client_id: str | None = None,
        client_secret: str | None = None,
        org_id: str | None = None,
        scopes: tuple[str, ...] = ims.DEFAULT_SCOPES,
        token_lifetime: float = 86399.0,
        sandboxes: tuple[str, ...] = ("prod", "dev"),
        faults_enabled: bool = False,
    ) -> None:
        self.store = store
        self.faults_enabled = faults_enabled
        self.faults = FaultRegistry()
        self.gateway = Gateway(store, sandboxes=sandboxes, org_id=org_id)
        self.ims = ims.Ims(
            store, client_id=client_id, client_secret=client_secret, scopes=scopes, token_lifetime=token_lifetime
        )
        self.schemaregistry = schemaregistry.SchemaRegistry()
        self.catalog = catalog.Catalog(store, self.schemaregistry)
        self.dataprep = dataprep.DataPrep(store, self.schemaregistry)
        neighbours = flowservice.Neighbours(
            dataset_schema=self.catalog.schema_of,
            mapping_schema=self.dataprep.schema_of,
            mapping_of=self.dataprep.mapping_of,
            field_types=self.schemaregistry.field_types,
            required_fields=self.schemaregistry.required_fields,
        )
        self.flowservice = flowservice.FlowService(store, azure, neighbours)
        # A path no service owns fails in Flow Service's shape, the one most clients read.
        self.default_service = flowservice.service(self.flowservice)
        self.services: list[Service] = [
            ims.service(self.ims),
            self.default_service,
            schemaregistry.service(self.schemaregistry),
            catalog.service(self.catalog),
            dataprep.service(self.dataprep),
            observability.service(observability.Observability(self.flowservice.runs.by_dataset)),
            sandbox.service(sandbox.Sandboxes(sandboxes)),
        ]
        self.controls = controls.Controls(store, self.faults, self.counts, self.schemaregistry)

    def register(self, service: Service) -> None:
        """Add a service (a package's `service(...)`): its routes answer from now on."""
        self.services.append(service)

    def counts(self) -> dict[str, int]:
        return {name: n for service in self.services for name, n in service.counts().items()}

    def stats(self) -> dict[str, int]:
        return dict(self.controls.stats())

    def handle(self, request: Request) -> Response:
        """Answer one request; a bug here becomes a documented 500, never a stack trace."""
        try:
            response = self._with_faults(request)
        except AdobeError as error:
            response = error.response(request)
        except Exception:
            log.exception("emulator error on %s %s", request.method, request.path)
            response = InternalError().response(request)
        response.headers.setdefault("x-request-id", request.request_id)
        if response.body is not None:
            response.headers.setdefault("Content-Type", "application/json")
        return response

    def _with_faults(self, request: Request) -> Response:
        if request.path.startswith(controls.PREFIX):
            if not (self.faults_enabled or self.controls.is_demo(request)):
                raise gateway_errors.NotFound()
            return self.controls.handle(request)
        fault = self.faults.take(request) if self.faults_enabled else None
        injected = self._inject(fault, "before", request)
        if injected is not None:
            return injected
        try:
            response = self.dispatch(request)
        except AdobeError as error:
            response = error.response(request)
        return self._inject(fault, "after", request) or response

    def _inject(self, fault: Fault | None, phase: str, request: Request) -> Response | None:
        if fault is None or fault.phase != phase:
            return None
        time.sleep(fault.delay)
        return fault.response(request, self._fault_error)

    def _fault_error(self, request: Request, status: int, code: str | None, message: str | None) -> AdobeError:
        service = self._service_for(request.path)
        if (service is None or service.behind_gateway) and status in GATEWAY_FAULTS:
            return GATEWAY_FAULTS[status]()
        return (service or self.default_service).fault_error(status, code, message)

    def _service_for(self, path: str) -> Service | None:
        return next((s for s in self.services if s.owns(path)), None)

    def dispatch(self, request: Request) -> Response:
        service = self._service_for(request.path)
        if service is None:
            raise gateway_errors.NotFound()
        caller = self.gateway.authorize(request, sandboxed=service.sandboxed) if service.behind_gateway else None
        matched, sub_path = service.match(request)
        if not matched:
            raise service.not_found()
        # HEAD is GET without the body (the server leaves it out); Adobe's documents are silent on HEAD.
        method = "GET" if request.method == "HEAD" else request.method
        for found, params in matched:
            if found.method == method:
                return found.handler(request, caller, **params)
        raise gateway_errors.MethodNotAllowed(method=request.method, path=sub_path)
