"""Flow Service's errors, one class per code of Adobe's error catalogue (help/sources/errors/flow-service-errors.md).

The text is the catalogue's detailed message with its example values made parameters. Where the emulator raises a
code for a case the catalogue does not name, the class says so.
"""

from __future__ import annotations

from connections.flowservice_emulator.errors import FlowServiceError


class InvalidRequest(FlowServiceError):
    """1100-400, the catalogue's catch-all; the emulator's detail says what was wrong."""

    code, title, text = "1100-400", "Invalid request", "The request could not be processed. {reason}"


class ResourceNotFound(FlowServiceError):
    code, title = "1101-404", "Resource not found"
    text = "The requested resource is not found. Error from flow provider: Resource with given id does not exist."


class InternalError(FlowServiceError):
    code, title = "1102-500", "Internal Error"
    text = "An internal error has occurred. Please try again. If the problem persists, please contact customer support."


class LimitWithCount(FlowServiceError):
    code, title = "1401-400", "Invalid request"
    text = (
        "The limit and count parameters cannot be given together in the same request. "
        "Please provide either only the limit or the count parameter and try again."
    )


class IfMatchMissing(FlowServiceError):
    code, title = "1403-400", "Header is missing"
    text = "The header 'If-Match' is missing in the request. Please provide the header and try again."


class VersionNotMatching(FlowServiceError):
    code, title = "1404-412", "Version not matching"
    text = (
        "The supplied version '{supplied}' does not match the current version on entity '{current}'. "
        "Please ensure that the supplied version matches the current version on entity and try again."
    )


class EmptyBody(FlowServiceError):
    code, title = "1405-400", "Invalid request"
    text = "The request body cannot be null or empty. Please provide a request body and try again."


class InvalidSpecId(FlowServiceError):
    code, title = "1413-400", "Invalid request"
    text = "The spec ID provided is invalid. Please provide a valid spec ID and try again."


class SpecNotUpdatable(FlowServiceError):
    code, title, text = "1414-400", "Invalid request", "The connection spec of a connection cannot be updated."


class AuthSpecNotFound(FlowServiceError):
    code, title = "1415-400", "Invalid request"
    text = "The auth spec '{spec_name}' could not be found for the connection spec ID {spec_id}."


class UnsupportedOperation(FlowServiceError):
    code, title = "1434-400", "Invalid request"
    text = "Unsupported operation '{op}' received. Please use one of the supported operation types and try again."


class OperatorNotAllowedForValues(FlowServiceError):
    code, title, text = "1443-400", "Invalid request", "Operator '{operator}' is not allowed for multiple values."


class InvalidOperator(FlowServiceError):
    code, title, text = "1450-400", "Invalid request", "Invalid operator {operator} in filter params."


class InvalidFilterValue(FlowServiceError):
    code, title, text = "1452-400", "Invalid request", "Invalid value {value} for field {field}."


class InvalidQueryValue(FlowServiceError):
    code, title, text = "1453-400", "Invalid request", "Invalid query value {value} provided in query param."


class InvalidPatch(FlowServiceError):
    code, title = "1455-400", "Invalid request"
    text = "An error has occurred while validating patch instructions: {reason}"


class MissingField(FlowServiceError):
    """1304-400 comes from the connection-spec validation Adobe's sources guides quote."""

    code, title = "1304-400", "Bad Request"
    text = "The mandatory field {field} is not provided. Please provide the {field} and try again."


class ExploreFailed(FlowServiceError):
    """Azure's refusal passed on (Adobe's documents are silent on the code for Event Hubs; 1308-400 is the
    catalogue's "could not be processed" family the sources guides show for a source that refuses)."""

    code, title, text = "1308-400", "Bad Request", "The request could not be processed. Error message: {reason}"


class InvalidParamValue(FlowServiceError):
    code, title = "1312-400", "Bad Request"
    text = "The provided param value {value} is not a valid input for property={name}. {hint}"


class UnsupportedFormat(FlowServiceError):
    code, title = "1327-400", "Bad Request"
    text = (
        "The format of source data supplied={format} in {kind} is not supported. "
        "The allowed values are: {allowed}. Please provide allowed values and try again."
    )


class InvalidObjectType(FlowServiceError):
    code, title, text = "1358-400", "Bad Request", "{reason}"


class Injected(FlowServiceError):
    """A fault injected by a test, with any code it names."""

    def __init__(self, code: str, message: str | None) -> None:
        self.injected_code = code
        super().__init__(message or f"Injected fault {code}.")

    def flow_code(self) -> str:
        return self.injected_code

    def error_title(self) -> str:
        return INJECTED_TITLES.get(self.injected_code, "Error")


INJECTED_TITLES = {"1102-500": "Internal Error", "1103-503": "Service Unavailable", "1104-504": "Gateway Timeout"}


class StateNotAllowed(FlowServiceError):
    code, title, text = "1410-400", "Invalid request", "`State` is not allowed in the create flow request."


class InvalidMappingVersion(FlowServiceError):
    code, title, text = (
        "1412-400",
        "Invalid request",
        "Invalid Mapping Version in request. Please provide correct mapping version.",
    )


class BaseConnectionInUse(FlowServiceError):
    code, title = "1418-400", "Invalid request"
    text = (
        "The base connection with the ID {connection_id} cannot be deleted because the base connection is being used "
        "in one or more flows. Please ensure that corresponding flows are deleted before deleting a base connection."
    )


class MappingNotValid(FlowServiceError):
    code, title = "1419-400", "Invalid request"
    text = (
        "Error while validating mapping with id {mapping_id}, version {version}. This could be because of inadequate "
        "permissions on mapped fields. Please check your mapping or contact your admin."
    )


class ActionNotApplicable(FlowServiceError):
    """Enabling an enabled flow, or disabling a disabled one."""

    code, title = "1422-400", "Invalid request"
    text = "The action {op} cannot be applied on the current state {state}. Please update the action and try again."


class SchemaMismatch(FlowServiceError):
    code, title = "1425-400", "Invalid request"
    text = (
        "Error while matching schema in target dataset {dataset_id} with schema in mapping {mapping_id}. "
        "Schema with same id and version must be used in both mapping and target dataset."
    )


class ActiveFlows(FlowServiceError):
    code, title, text = "1447-400", "Invalid request", "Found active flows containing id {object_id}."
