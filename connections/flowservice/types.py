"""Typed inputs and results of the Flow Service client; payloads are generated from these."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

EVENT_HUBS_CONNECTION_SPEC_ID = "bf9f5905-92b7-48bf-bf20-455bc6b60a4e"
EVENT_HUBS_CONNECTION_SPEC_VERSION = "1.0"
STREAMING_FLOW_SPEC_ID = "d69717ba-71b4-4313-b654-49f9cf126d7a"
DATA_LAKE_CONNECTION_SPEC_ID = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"

# The auth spec names Adobe's Event Hubs connection spec defines (Standard and SAS share one).
SAS_SPEC_NAME = "Azure EventHub authentication credentials"
AAD_SPEC_NAME = "Event Hub Azure Active Directory Auth"
SCOPED_AAD_SPEC_NAME = "Event Hub Scoped Azure Active Directory Auth"

DEFAULT_SCOPES = "openid,AdobeID,read_organizations,additional_info.projectedProductContext,session"
MASK = "••••••••"


class EventHubAuth(Protocol):
    """What every Event Hubs auth type offers the client."""

    SPEC_NAME: ClassVar[str]
    SECRET_PARAMS: ClassVar[frozenset[str]]

    def params(self) -> dict[str, str]: ...


def _param(name: str, *, secret: bool = False) -> Any:
    """A field sent to Adobe as the auth param `name`; a secret one stays out of repr."""
    return field(repr=not secret, metadata={"param": name})


class _ParamsFromFields:
    """`params()` for an auth dataclass: each field under the Adobe name its `_param` declares."""

    def params(self) -> dict[str, str]:
        return {f.metadata["param"]: getattr(self, f.name) for f in fields(cast("DataclassInstance", self))}


@dataclass(frozen=True)
class _SasKey(_ParamsFromFields):
    """A SAS policy of a namespace and its key: what Standard and SAS authentication share."""

    SECRET_PARAMS: ClassVar[frozenset[str]] = frozenset({"sasKey"})

    namespace: str = _param("namespace")
    sas_key_name: str = _param("sasKeyName")
    sas_key: str = _param("sasKey", secret=True)


@dataclass(frozen=True)
class StandardAuth(_SasKey):
    """Standard authentication: a namespace-level SAS policy and its key."""

    SPEC_NAME: ClassVar[str] = SAS_SPEC_NAME


@dataclass(frozen=True)
class SasAuth(_SasKey):
    """SAS authentication: like Standard, scoped to one event hub."""

    SPEC_NAME: ClassVar[str] = SAS_SPEC_NAME

    event_hub_name: str = _param("eventHubName")


@dataclass(frozen=True)
class _AppCredentials(_ParamsFromFields):
    """A Microsoft Entra ID (Azure Active Directory) app's credentials for a namespace."""

    SECRET_PARAMS: ClassVar[frozenset[str]] = frozenset({"clientSecretValue"})

    tenant_id: str = _param("tenantId")
    client_id: str = _param("clientId")
    client_secret_value: str = _param("clientSecretValue", secret=True)
    namespace: str = _param("namespace")


@dataclass(frozen=True)
class AadAuth(_AppCredentials):
    """Microsoft Entra ID (Azure Active Directory) app credentials for a namespace."""

    SPEC_NAME: ClassVar[str] = AAD_SPEC_NAME


@dataclass(frozen=True)
class ScopedAadAuth(_AppCredentials):
    """Entra ID app credentials scoped to one event hub."""

    SPEC_NAME: ClassVar[str] = SCOPED_AAD_SPEC_NAME

    event_hub_name: str = _param("eventHubName")


# Secret params per auth spec name, as the connection spec marks them (format: password).
SECRET_PARAMS_BY_SPEC: dict[str, frozenset[str]] = {
    SAS_SPEC_NAME: StandardAuth.SECRET_PARAMS,
    AAD_SPEC_NAME: AadAuth.SECRET_PARAMS,
    SCOPED_AAD_SPEC_NAME: ScopedAadAuth.SECRET_PARAMS,
}
ALL_SECRET_PARAMS: frozenset[str] = frozenset().union(*SECRET_PARAMS_BY_SPEC.values())


class DataType(enum.StrEnum):
    RAW = "raw"
    XDM = "xdm"


class Reset(enum.StrEnum):
    EARLIEST = "earliest"
    LATEST = "latest"


@dataclass(frozen=True)
class SourceParams:
    """The Event Hubs source connection parameters (data.format is always json)."""

    event_hub_name: str
    data_type: DataType = DataType.RAW
    reset: Reset = Reset.EARLIEST
    consumer_group: str = "$Default"
    data_format: ClassVar[str] = "json"

    def params(self) -> dict[str, str]:
        return {
            "eventHubName": self.event_hub_name,
            "dataType": str(self.data_type),
            "reset": str(self.reset),
            "consumerGroup": self.consumer_group,
        }


# The streaming dataflow's inputs (Adobe's tutorial: help/sources/tutorials/api/collect/streaming.md)

SCHEMA_CONTENT_TYPE = "application/vnd.adobe.xed-full-notext+json; version=1"  # a dataset's schemaRef
RESOLVED_SCHEMA_CONTENT_TYPE = "application/vnd.adobe.xed-full+json;version=1"  # a mapping validation's


@dataclass(frozen=True)
class DatasetInput:
    """A Catalog dataset for a tenant schema (`schema_id` is the schema's `$id`)."""

    name: str
    schema_id: str
    description: str = ""
    profile_enabled: bool = False
    identity_enabled: bool = False


@dataclass(frozen=True)
class FieldMapping:
    """One line of a mapping set: a source attribute written to an XDM path, or (`source_type` EXPRESSION) the
    value of a Data Prep function such as `uuid()`."""

    source_attribute: str
    destination_xdm_path: str
    identity: bool = False
    source_type: str = "ATTRIBUTE"  # Data Prep's sourceType: ATTRIBUTE or EXPRESSION


# Data Prep's `uuid()`, "Generates a pseudo-random ID" (help/data-prep/functions.md), mapped to XDM's `_id`: an id
# for each record, for events that carry none of their own.
GENERATED_ID_MAPPING = FieldMapping("uuid()", "_id", source_type="EXPRESSION")


@dataclass(frozen=True)
class MappingSetInput:
    """A Data Prep mapping set, in the form the streaming tutorial uses (`schema` as the tutorial shows it)."""

    schema: str
    mappings: tuple[FieldMapping, ...]
    name: str = ""  # Data Prep's optional `name`: how an unknown outcome is found again


@dataclass(frozen=True)
class DataLakeTarget:
    """A Flow Service target connection writing into a dataset of the Data Lake."""

    name: str
    dataset_id: str
    description: str = ""


@dataclass(frozen=True)
class StreamingFlowInput:
    """The streaming dataflow linking a source connection to a target connection, with an optional mapping."""

    name: str
    source_connection_id: str
    target_connection_id: str
    mapping_id: str | None = None
    description: str = "Streaming dataflow for Azure Event Hubs"


class FlowAction(enum.StrEnum):
    """The dataflow actions Adobe documents (`POST /flows/{id}/action?op=...`)."""

    ENABLE = "enable"
    DISABLE = "disable"


@dataclass(frozen=True)
class Created:
    """The answer to a create or an update: the object's id and its new etag."""

    id: str
    etag: str


class Service(enum.StrEnum):
    """The Platform APIs the client calls; the value is the service's path under /data/foundation."""

    FLOW = "flowservice"
    SCHEMA_REGISTRY = "schemaregistry"
    CATALOG = "catalog"
    DATA_PREP = "conversion"
    SANDBOX = "sandbox-management"


@dataclass(frozen=True)
class Sandbox:
    """A sandbox the credential may use, as Sandbox Management lists it."""

    name: str
    title: str
    production: bool


class Operation(enum.StrEnum):
    """What a call was for. The values are stored in the call history: never change one."""

    IMS_TOKEN = "ims_token"
    CREATE_BASE = "create_base_connection"
    CREATE_SOURCE = "create_source_connection"
    GET_BASE = "get_base_connection"
    GET_SOURCE = "get_source_connection"
    LIST_BASE = "list_connections"
    LIST_SOURCE = "list_source_connections"
    GET_SPEC = "get_connection_spec"
    TEST = "test_connection"
    EXPLORE = "explore"
    UPDATE_CREDENTIALS = "update_credentials"
    DELETE_BASE = "delete_base_connection"
    DELETE_SOURCE = "delete_source_connection"
    UPDATE_SOURCE = "update_source_connection"
    # The streaming dataflow's calls (Schema Registry, Catalog, Data Prep, Flow Service)
    LIST_SCHEMAS = "list_schemas"
    GET_SCHEMA = "get_schema"
    CREATE_DATASET = "create_dataset"
    GET_DATASET = "get_dataset"
    LIST_DATASETS = "list_datasets"
    DELETE_DATASET = "delete_dataset"
    CREATE_MAPPING = "create_mapping_set"
    VALIDATE_MAPPING = "validate_mappings"
    PREVIEW_MAPPING = "preview_mappings"
    GET_MAPPING = "get_mapping_set"
    CREATE_TARGET = "create_target_connection"
    GET_TARGET = "get_target_connection"
    DELETE_TARGET = "delete_target_connection"
    LIST_FLOW_SPECS = "list_flow_specs"
    GET_FLOW_SPEC = "get_flow_spec"
    CREATE_FLOW = "create_flow"
    GET_FLOW = "get_flow"
    LIST_FLOWS = "list_flows"
    UPDATE_FLOW = "update_flow"
    ENABLE_FLOW = "enable_flow"
    DISABLE_FLOW = "disable_flow"
    DELETE_FLOW = "delete_flow"
    LIST_RUNS = "list_runs"
    PREVIEW = "preview_event_hub"
    LIST_TARGETS = "list_target_connections"
    LIST_MAPPINGS = "list_mapping_sets"
    LIST_SANDBOXES = "list_sandboxes"


class Outcome(enum.StrEnum):
    """How one attempt ended. The values are stored in the call history: never change one."""

    OK = "ok"
    HTTP_ERROR = "http_error"
    TIMEOUT = "timeout"
    CONNECTION_ERROR = "connection_error"


class Verdict(enum.StrEnum):
    """What an answer of Adobe's says about a check, decided by its structure only."""

    PASSED = "passed"
    FAILED = "failed"
    UNKNOWN = "unknown"  # an answer the client does not recognise: shown as "Adobe said: ..."


@dataclass(frozen=True)
class ConnectionTest:
    """Adobe's answer to GET /connections/{id}/test.

    Decided by the documented `{"result": true|false}` only; any other 2xx answer is UNKNOWN and
    `adobe_said` holds its text (secrets masked), so it is shown rather than read as a pass or a fail.
    """

    verdict: Verdict
    adobe_said: str = ""

    @property
    def accepted(self) -> bool | None:
        """True or False when Adobe's answer said so; None when it is not recognised."""
        return {Verdict.PASSED: True, Verdict.FAILED: False}.get(self.verdict)


@dataclass(frozen=True)
class HubListing:
    """Adobe's answer to GET /connections/{id}/explore?objectType=root for an Event Hubs connection.

    PASSED: `hubs` lists the event hubs. FAILED: Adobe answered with a Flow Service error (its code in
    `code`, its words in `adobe_said`). UNKNOWN: a 2xx answer of a shape the client does not recognise.
    """

    verdict: Verdict
    hubs: tuple[str, ...] = ()
    code: str | None = None
    adobe_said: str = ""


@dataclass(frozen=True)
class CallRecord:
    """One HTTP exchange, as reported to the observer; bodies are already redacted."""

    operation: Operation
    method: str
    path: str
    status: int | None
    duration_ms: int
    outcome: Outcome
    request_body: Any = None
    response_body: Any = None
    error_code: str | None = None
    request_id: str | None = None
    error_message: str | None = None
    connection_id: str | None = None
    attempt: int = 1


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for a connection, and then for each read of the answer."""

    connect: float = 5.0
    read: float = 30.0

    def as_tuple(self) -> tuple[float, float]:
        return (self.connect, self.read)


@dataclass(frozen=True)
class CachedToken:
    value: str = field(repr=False)
    expires_at: float  # epoch seconds


def scalar_type(value: Any) -> str:
    """The JSON type of a value that is neither an object nor an array (anything else reads as a string)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string"
