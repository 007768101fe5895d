"""The calls that follow a source connection: schema, dataset, mapping, target connection, dataflow, runs.

Adobe's tutorial: help/sources/tutorials/api/collect/streaming.md (summarised in shared/reference/dataflow.md).
Every call goes through the shared request path (platform.py): the same headers, retries only where safe
(reads; never a create), typed errors, redaction and one observer record per attempt.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice
from typing import Any

import requests

from . import payloads
from .errors import NotFoundError, TooManyPagesError, UnrecognisedAnswerError, ValidationError
from .platform import PlatformClient, as_shown, created_from, json_body, quote_id
from .types import (
    STREAMING_FLOW_SPEC_ID,
    Created,
    DataLakeTarget,
    DatasetInput,
    FlowAction,
    MappingSetInput,
    Operation,
    Service,
    StreamingFlowInput,
)

# The Schema Registry chooses the form of its answer by the Accept header.
SCHEMA_IDS = "application/vnd.adobe.xed-id+json"
SCHEMA_RESOLVED = "application/vnd.adobe.xed-full+json; version=1"
# The error catalogue's code for an action the flow's current state does not allow, and the state each action
# leaves a flow in.
ACTION_NOT_APPLICABLE = "1422-400"
FLOW_STATES = {FlowAction.ENABLE: "enabled", FlowAction.DISABLE: "disabled"}
MAPPING_PAGE = 100  # mapping sets per list request (Adobe's documents are silent on a largest `limit`)
RUNS_PAGE = 100  # runs per list request when only the newest are wanted
SCHEMA_PAGE = 300  # schemas per Schema Registry list request (the appendix allows a `limit` hint up to 500)
# Datasets per Catalog list request: Catalog's filter guide gives 20 as the most a service token may ask (an older
# revision says 100 for every caller); 20 holds under both.
CATALOG_PAGE = 20
# Catalog answers a create with `["@/dataSets/<id>"]`.
_DATASET_REF = re.compile(r"^@/dataSets/(?P<id>[^/]+)$")


class DataflowMethods(PlatformClient):
    """Schema Registry, Catalog, Data Prep and the dataflow half of Flow Service."""

    # Schema Registry

    def list_tenant_schemas(self, *, page_size: int | None = None, most: int | None = None) -> list[dict[str, Any]]:
        """GET /tenant/schemas: the organisation's schemas ($id, meta:altId, version, title), every page.

        A list stops at a few hundred; the rest come page by page as the Schema Registry appendix pages them:
        `orderby` (which `limit` and `start` need), then `start` set to the previous answer's `_page.next`.
        `page_size` asks that many a page, and `most` stops reading once that many are read.
        """
        pages = self._pages(
            Operation.LIST_SCHEMAS,
            "/tenant/schemas",
            {"orderby": "title", "limit": page_size or self._page_size or SCHEMA_PAGE},
            service=Service.SCHEMA_REGISTRY,
            items_key="results",
            headers={"Accept": SCHEMA_IDS},
        )
        return list(islice(pages, most))

    def get_schema(self, schema_id: str) -> dict[str, Any]:
        """GET /tenant/schemas/{$id or meta:altId}, resolved (every field group's fields in place)."""
        path = f"/tenant/schemas/{quote_id(schema_id)}"
        return _object(self._read(Operation.GET_SCHEMA, Service.SCHEMA_REGISTRY, path, accept=SCHEMA_RESOLVED))

    # Catalog

    def create_dataset(self, dataset: DatasetInput) -> str:
        """POST /dataSets?requestDataSource=true; the new dataset's id. Never retried once sent."""
        new_dataset, params = payloads.dataset_body(dataset), {"requestDataSource": "true"}
        response = self._post(
            Operation.CREATE_DATASET, Service.CATALOG, "/dataSets", new_dataset, idempotent=False, params=params
        )
        body = json_body(response)
        match = _DATASET_REF.match(body[0]) if isinstance(body, list) and body and isinstance(body[0], str) else None
        if match is None:
            raise UnrecognisedAnswerError(
                f"Adobe said: {as_shown(response)}", status=response.status_code, outcome_unknown=True
            )
        return match["id"]

    def get_dataset(self, dataset_id: str) -> dict[str, Any]:
        """GET /dataSets/{id}: Catalog answers an object keyed by the id."""
        response = self._read(Operation.GET_DATASET, Service.CATALOG, f"/dataSets/{quote_id(dataset_id)}")
        found = _object(response).get(dataset_id)
        if not isinstance(found, dict):
            raise NotFoundError(f"Catalog has no dataset {dataset_id}.", status=response.status_code)
        return found

    def find_dataset(self, name: str) -> str | None:
        """The id of the dataset with exactly this name, if Catalog has one; a refused or endless read is raised,
        never read as "none" (after an unknown outcome, "none" means create again).

        Catalog's `name=` filter is a pattern, not a name (filter-data.md): a comma separates names any of which
        may match, a leading `!` inverts, `*` is a wildcard. A name free of those is narrowed by the filter; any
        other is looked for page by page among every dataset. Either way, only an exact match on what comes back
        counts.
        """
        params = {"properties": "name"} | ({"name": name} if plain_name(name) else {})
        return next((key for key, dataset in self._catalog_pages(params) if dataset.get("name") == name), None)

    def list_datasets(
        self, *, properties: tuple[str, ...] = (), search: str = "", start: int = 0, limit: int = CATALOG_PAGE
    ) -> dict[str, dict[str, Any]]:
        """GET /dataSets: one page of datasets keyed by id, by name (`orderBy=asc:name`), from `start`.

        `search` narrows them on the server to names containing it (`name=*search*`, the wildcard of Catalog's
        filter guide) when it holds none of the filter's signs (`,` `!` `*`); otherwise every page is the sandbox's
        and the caller narrows. `properties` narrows each dataset to those fields.
        """
        params: dict[str, Any] = {"orderBy": "asc:name", "limit": limit, "start": start}
        if properties:
            params["properties"] = ",".join(properties)
        if search and plain_name(search):
            params["name"] = f"*{search}*"
        return self._dataset_page(params)

    def datasets_matching(self, pattern: str) -> dict[str, dict[str, Any]]:
        """GET /dataSets?name=<pattern>: one page of the datasets Catalog's filter matches, keyed by id, with their
        names. The pattern is sent as it is (a comma for "any of", `!`, `*`): the contract check asks how Catalog
        reads one; the app itself looks names up with `find_dataset`."""
        params = {"name": pattern, "properties": "name", "orderBy": "asc:name", "limit": CATALOG_PAGE}
        return self._dataset_page(params)

    def _dataset_page(self, params: dict[str, Any]) -> dict[str, dict[str, Any]]:
        response = self._request(
            Operation.LIST_DATASETS, "GET", "/dataSets", params=params, idempotent=True, service=Service.CATALOG
        )
        return {key: value for key, value in _object(response).items() if isinstance(value, dict)}

    def datasets(self, *, properties: tuple[str, ...] = (), most: int = 500) -> dict[str, dict[str, Any]]:
        """The sandbox's datasets by name, keyed by id, page after page: at most `most` of them."""
        params = {"properties": ",".join(properties)} if properties else {}
        return dict(islice(self._catalog_pages(params), most))

    def dataset_profile_enabled(self, dataset_id: str) -> bool:
        """Whether Catalog reads the dataset back with `unifiedProfile: ["enabled:true"]`."""
        tags = self.get_dataset(dataset_id).get("tags")
        profile = tags.get("unifiedProfile") if isinstance(tags, dict) else None
        return isinstance(profile, list) and "enabled:true" in profile

    def _catalog_pages(self, params: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every dataset a Catalog list gives, page by page (`limit`/`start`) until a short page, lazily; at most
        `max_pages` pages (Catalog answers no next link: its paging is an offset)."""
        for page_number in range(self._max_pages):
            paging = {"orderBy": "asc:name", "limit": CATALOG_PAGE, "start": page_number * CATALOG_PAGE}
            page = self._dataset_page(params | paging)
            yield from page.items()
            if len(page) < CATALOG_PAGE:
                return
        raise TooManyPagesError(f"Catalog kept listing after {self._max_pages} pages; the client stopped there.")

    def delete_dataset(self, dataset_id: str) -> None:
        """DELETE /dataSets/{id} (Catalog answers 200 `["@/dataSets/<id>"]`); deleting twice is harmless, so a
        lost answer may be retried."""
        path = f"/dataSets/{quote_id(dataset_id)}"
        self._request(Operation.DELETE_DATASET, "DELETE", path, idempotent=True, service=Service.CATALOG)

    # Data Prep

    def create_mapping_set(self, mapping_set: MappingSetInput) -> str:
        """POST /mappingSets; the mapping set's id. Never retried once sent."""
        body = payloads.mapping_set_body(mapping_set)
        response = self._post(Operation.CREATE_MAPPING, Service.DATA_PREP, "/mappingSets", body, idempotent=False)
        created = _object(response, outcome_unknown=True).get("id")
        if not isinstance(created, str):
            raise UnrecognisedAnswerError(
                f"Adobe said: {as_shown(response)}", status=response.status_code, outcome_unknown=True
            )
        return created

    def validate_mappings(self, mapping_set: MappingSetInput) -> dict[str, Any]:
        """POST /mappingSets/validate, in the newer Data Prep form (outputSchema, sourceType/source/destination).

        Validation creates nothing, so a lost answer may be resent. Adobe's documents are silent: on the
        answer's shape (the API guide shows none); it is returned as Adobe sent it.
        """
        body = payloads.mapping_validation_body(mapping_set)
        path = "/mappingSets/validate"
        return _object(self._post(Operation.VALIDATE_MAPPING, Service.DATA_PREP, path, body, idempotent=True))

    def preview_mappings(self, mapping_set: MappingSetInput, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """POST /mappingSets/preview: each record as the mapping set writes it. Creates nothing, so a lost answer may
        be resent.

        Adobe's documents are silent: on a preview of several records (data-prep.yaml's request takes a list, its
        example sends one object and answers one); an answer of one object is read as one record.
        """
        body = payloads.mapping_preview_body(mapping_set, records)
        path = "/mappingSets/preview"
        answer = self._post(Operation.PREVIEW_MAPPING, Service.DATA_PREP, path, body, idempotent=True)
        data = _object(answer).get("data")
        written = data if isinstance(data, list) else [data]
        return [record for record in written if isinstance(record, dict)]

    def find_mapping_set(self, name: str) -> str | None:
        """The id of the mapping set with exactly this name, if Data Prep has one: the documented list request
        `GET /mappingSets?limit=&start=&name=` (mapping-set.md: `limit` and `start`, an offset, are required).

        A refused list is raised, never read as "none": after an unknown outcome, "none" means create again.
        Adobe's documents are silent: on how `name=` matches and on a next-page link, so pages are read until a
        short one and narrowed to the exact name here.
        """
        start = 0
        while True:
            params = {"limit": MAPPING_PAGE, "start": start, "name": name}
            response = self._request(
                Operation.LIST_MAPPINGS,
                "GET",
                "/mappingSets",
                params=params,
                idempotent=True,
                service=Service.DATA_PREP,
            )
            data = _object(response).get("data")
            page = data if isinstance(data, list) else []
            found = _named_exactly(page, name)
            if found and "id" in found:
                return str(found["id"])
            if len(page) < MAPPING_PAGE:
                return None
            start += MAPPING_PAGE

    def get_mapping_set(self, mapping_set_id: str) -> dict[str, Any]:
        path = f"/mappingSets/{quote_id(mapping_set_id)}"
        return _object(self._read(Operation.GET_MAPPING, Service.DATA_PREP, path))

    # Flow Service: target connections, flow specs, flows, runs

    def create_target_connection(self, target: DataLakeTarget) -> Created:
        """POST /targetConnections (the Data Lake); never retried once sent."""
        body = payloads.target_connection_body(target)
        response = self._request(Operation.CREATE_TARGET, "POST", "/targetConnections", body=body, idempotent=False)
        return created_from(response)

    def get_target_connection(self, target_connection_id: str) -> dict[str, Any]:
        path = f"/targetConnections/{quote_id(target_connection_id)}"
        return self._single(Operation.GET_TARGET, path, None)

    def find_target_connection(self, name: str) -> dict[str, Any] | None:
        """The target connection with exactly this name, if Flow Service has one."""
        return _named_exactly(self._named(Operation.LIST_TARGETS, "/targetConnections", name), name)

    def find_flow(self, name: str) -> dict[str, Any] | None:
        """The dataflow with exactly this name, if Flow Service has one."""
        return _named_exactly(self._named(Operation.LIST_FLOWS, "/flows", name), name)

    def preview_event_hub(self, connection_id: str, event_hub_name: str) -> list[dict[str, Any]]:
        """The event hub's newest events (up to 100, as Adobe's UI shows), the JSON objects among them.

        Adobe's documents are silent: on an explore or preview call for Event Hubs (its UI previews up
        to 100 rows). This asks explore for `objectType=file&object=<hub>&preview=true` and reads the
        answer in the form Adobe documents for JSON previews of REST sources (`{format, schema, data}`).
        """
        response = self._request(
            Operation.PREVIEW,
            "GET",
            f"/connections/{quote_id(connection_id)}/explore",
            params={"objectType": "file", "object": event_hub_name, "preview": "true"},
            idempotent=True,
            connection_id=connection_id,
        )
        data = _object(response).get("data")
        if not isinstance(data, list):
            raise UnrecognisedAnswerError(f"Adobe said: {as_shown(response)}", status=response.status_code)
        return [record for record in data if isinstance(record, dict)][:100]

    def list_flow_specs(self) -> list[dict[str, Any]]:
        return list(self._pages(Operation.LIST_FLOW_SPECS, "/flowSpecs", {}))

    def get_flow_spec(self, flow_spec_id: str = STREAMING_FLOW_SPEC_ID) -> dict[str, Any]:
        return self._single(Operation.GET_FLOW_SPEC, f"/flowSpecs/{quote_id(flow_spec_id)}", None)

    def create_flow(self, flow: StreamingFlowInput) -> Created:
        """POST /flows: the streaming dataflow; never retried once sent."""
        response = self._request(
            Operation.CREATE_FLOW, "POST", "/flows", body=payloads.flow_body(flow), idempotent=False
        )
        return created_from(response)

    def get_flow(self, flow_id: str) -> dict[str, Any]:
        return self._single(Operation.GET_FLOW, f"/flows/{quote_id(flow_id)}", None)

    def list_flows(self, *, property: str | None = None) -> list[dict[str, Any]]:
        """GET /flows, every page, filtered by a `property` expression (e.g. `sourceConnectionIds[]==X`: an array
        is searched with `[]`, help/dataflows/api/sort-and-filter.md)."""
        return self._list(Operation.LIST_FLOWS, "/flows", property=property, limit=None)

    def update_flow(
        self, flow_id: str, *, etag: str, name: str | None = None, description: str | None = None
    ) -> Created:
        """PATCH /flows/{id} with If-Match (quoted, as Adobe's dataflow examples send it)."""
        body = payloads.flow_patch_body(name=name, description=description)
        response = self._patch_with_if_match(Operation.UPDATE_FLOW, "flows", flow_id, etag=etag, body=body)
        return created_from(response)

    def set_flow_state(self, flow_id: str, action: FlowAction) -> bool:
        """POST /flows/{id}/action?op=enable|disable (no body); False when the flow was in that state already.

        Not resent on a lost answer. Adobe refuses enabling an enabled flow (and disabling a disabled one) with
        1422-400 (the error catalogue); the flow is then read, and if it is in the asked state the action is done.
        The same code also refuses a flow in a passing state (disabling, updating): that refusal is raised.
        """
        operation = Operation.ENABLE_FLOW if action is FlowAction.ENABLE else Operation.DISABLE_FLOW
        path = f"/flows/{quote_id(flow_id)}/action"
        try:
            self._request(operation, "POST", path, params={"op": action.value}, idempotent=False)
        except ValidationError as error:
            if error.code != ACTION_NOT_APPLICABLE or self.get_flow(flow_id).get("state") != FLOW_STATES[action]:
                raise
            return False
        return True

    def delete_flow(self, flow_id: str) -> None:
        """DELETE /flows/{id}; deleting twice is harmless, so a lost answer may be retried."""
        self._request(Operation.DELETE_FLOW, "DELETE", f"/flows/{quote_id(flow_id)}", idempotent=True)

    def delete_target_connection(self, target_connection_id: str) -> None:
        """DELETE /targetConnections/{id} (204); refused (1447) while a flow uses it. May be retried, like a delete."""
        path = f"/targetConnections/{quote_id(target_connection_id)}"
        self._request(Operation.DELETE_TARGET, "DELETE", path, idempotent=True)

    def list_runs(self, flow_id: str, *, since_ms: int | None = None, most: int | None = None) -> list[dict[str, Any]]:
        """GET /runs?property=flowId=={id}: the flow's runs, newest first.

        `since_ms` keeps the runs started after that moment (`property=metrics.durationSummary.startedAtUTC>…`,
        as the OpenAPI file's `property` text filters flows by `lastRunDetails.startedAtUTC`); `most` stops
        reading once that many are read, so a long history costs a bounded number of pages and never reaches
        the page limit. Adobe's documents are silent: on the order of `/runs` (so `orderby=-createdAt` asks
        for newest first, the sort-and-filter guide's form) and on runs for streaming dataflows (the streaming
        flow spec says `flowRunsSupported: false`); this reads what Flow Service answers, possibly nothing.
        """
        filters = [f"flowId=={flow_id}"]
        if since_ms is not None:
            filters.append(f"metrics.durationSummary.startedAtUTC>{since_ms}")
        params = {
            "property": filters,
            "orderby": "-createdAt",
            **self._limit(None if not most else self._page_size or RUNS_PAGE),
        }
        return list(islice(self._pages(Operation.LIST_RUNS, "/runs", params), most))

    def _post(
        self,
        operation: Operation,
        service: Service,
        path: str,
        body: Any,
        *,
        idempotent: bool,
        params: dict[str, Any] | None = None,
    ) -> requests.Response:
        """One POST to another service than Flow Service; `idempotent` says whether a lost answer may be resent."""
        return self._request(operation, "POST", path, params=params, body=body, idempotent=idempotent, service=service)

    def _read(
        self, operation: Operation, service: Service, path: str, *, accept: str | None = None
    ) -> requests.Response:
        """One GET of another service than Flow Service (retried where safe, like every read)."""
        headers = {"Accept": accept} if accept else None
        return self._request(operation, "GET", path, headers=headers, idempotent=True, service=service)


def plain_name(name: str) -> bool:
    """A name Catalog's `name=` filter reads as itself: none of its signs (a comma, `!`, `*`)."""
    return not any(sign in name for sign in ",!*")


def _named_exactly(items: Any, name: str) -> dict[str, Any] | None:
    """The first item whose name is exactly `name` (Flow Service's filter may match more loosely)."""
    return next((item for item in items if isinstance(item, dict) and item.get("name") == name), None)


def _object(response: requests.Response, *, outcome_unknown: bool = False) -> dict[str, Any]:
    """A JSON object answer, or UnrecognisedAnswerError with Adobe's words."""
    body = json_body(response)
    if not isinstance(body, dict):
        raise UnrecognisedAnswerError(
            f"Adobe said: {as_shown(response)}", status=response.status_code, outcome_unknown=outcome_unknown
        )
    return body
