"""A client for Adobe's Flow Service API and IMS token endpoint. It imports requests, never Django.

The HTTP parts (the client, the IMS token provider) load on first use: the web workers, which only enqueue
remote work and read its results, never load requests and its stack (about 6 MB a process).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .answers import (
    failure_reasons,
    is_system_dataset,
    mapping_refusals,
    newest_reasons,
    newest_run,
    run_ended_ms,
    run_records,
    run_started_ms,
    run_status,
)
from .errors import (
    AuthenticationError,
    ConflictError,
    ConnectionFailedError,
    FlowServiceError,
    ImsError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    RateLimitError,
    ServerError,
    TimeoutError,
    TooManyPagesError,
    UnrecognisedAnswerError,
    ValidationError,
    error_from_response,
)
from .retry import NO_RETRY, RetryPolicy
from .types import (
    AAD_SPEC_NAME,
    DEFAULT_SCOPES,
    EVENT_HUBS_CONNECTION_SPEC_ID,
    EVENT_HUBS_CONNECTION_SPEC_VERSION,
    SAS_SPEC_NAME,
    SCOPED_AAD_SPEC_NAME,
    STREAMING_FLOW_SPEC_ID,
    AadAuth,
    CachedToken,
    CallRecord,
    ConnectionTest,
    Created,
    DataLakeTarget,
    DatasetInput,
    DataType,
    EventHubAuth,
    FieldMapping,
    FlowAction,
    HubListing,
    MappingSetInput,
    Operation,
    Outcome,
    Reset,
    Sandbox,
    SasAuth,
    ScopedAadAuth,
    Service,
    SourceParams,
    StandardAuth,
    StreamingFlowInput,
    Timeouts,
    Verdict,
)

if TYPE_CHECKING:
    from .client import AdobeAuth, FlowServiceClient
    from .ims import ImsTokenProvider, MemoryTokenStore, TokenStore

__all__ = [
    "AAD_SPEC_NAME",
    "DEFAULT_SCOPES",
    "EVENT_HUBS_CONNECTION_SPEC_ID",
    "EVENT_HUBS_CONNECTION_SPEC_VERSION",
    "NO_RETRY",
    "SAS_SPEC_NAME",
    "SCOPED_AAD_SPEC_NAME",
    "STREAMING_FLOW_SPEC_ID",
    "AadAuth",
    "AdobeAuth",
    "AuthenticationError",
    "CachedToken",
    "CallRecord",
    "ConflictError",
    "ConnectionTest",
    "ConnectionFailedError",
    "Created",
    "DataLakeTarget",
    "DatasetInput",
    "DataType",
    "EventHubAuth",
    "FieldMapping",
    "FlowAction",
    "FlowServiceClient",
    "FlowServiceError",
    "HubListing",
    "ImsError",
    "ImsTokenProvider",
    "MappingSetInput",
    "MemoryTokenStore",
    "NotFoundError",
    "Operation",
    "Outcome",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "RateLimitError",
    "Reset",
    "RetryPolicy",
    "Sandbox",
    "SasAuth",
    "ScopedAadAuth",
    "ServerError",
    "Service",
    "SourceParams",
    "StandardAuth",
    "StreamingFlowInput",
    "TimeoutError",
    "Timeouts",
    "TokenStore",
    "TooManyPagesError",
    "UnrecognisedAnswerError",
    "ValidationError",
    "Verdict",
    "error_from_response",
    "failure_reasons",
    "newest_reasons",
    "newest_run",
    "run_ended_ms",
    "run_records",
    "run_started_ms",
    "run_status",
    "is_system_dataset",
    "mapping_refusals",
]

_ON_FIRST_USE = {
    "AdobeAuth": ".client",
    "FlowServiceClient": ".client",
    "ImsTokenProvider": ".ims",
    "MemoryTokenStore": ".ims",
    "TokenStore": ".ims",
}


def __getattr__(name: str) -> Any:
    if name not in _ON_FIRST_USE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_ON_FIRST_USE[name], __name__), name)
    globals()[name] = value
    return value
