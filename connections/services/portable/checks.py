"""What the target sandbox must hold before an import creates anything: each dataflow's schema (found by its
title, as ids differ between sandboxes), every field its mapping writes and Data Prep's consent to the mapping, a
dataset of that name on that schema if one exists, and a consumer group no other flow reads. Reads only: every
problem is gathered, nothing created."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from connections.flowservice import FieldMapping, FlowServiceError, MappingSetInput
from connections.models import Onboarding
from connections.services.dataflow_choices import mapping_row_problems
from connections.services.dataflow_fields import required_left_empty, schema_fields
from connections.services.errors import adobe_failed
from connections.services.readers import reader_of

if TYPE_CHECKING:
    from connections.flowservice import FlowServiceClient


@dataclass(frozen=True)
class Resolved:
    """Where one dataflow of the file lands in the target sandbox."""

    schema_id: str
    dataset_id: str  # empty: the dataset does not exist there yet and is created with the dataflow


def reads_account_source(flow: dict[str, Any], account: Onboarding) -> bool:
    """The file's dataflow reads the hub and consumer group the account's own source connection reads."""
    return (flow["event_hub"], flow["consumer_group"]) == (account.event_hub_name, account.consumer_group)


def check_target(
    flows: list[dict[str, Any]], *, account: Onboarding, client: FlowServiceClient
) -> tuple[dict[str, Resolved], list[str]]:
    """Each dataflow's schema and dataset in the account's sandbox, and everything missing there, in order."""
    if not flows:
        return {}, []
    try:
        schemas = _schemas_by_title(client)
        found: dict[str, Resolved] = {}
        problems = _groups_read_twice(flows, account)
        for flow in flows:
            resolved, flow_problems = _check_one(flow, schemas=schemas, account=account, client=client)
            problems += [f"Dataflow “{flow['name']}”: {problem}" for problem in flow_problems]
            if resolved is not None:
                found[flow["name"]] = resolved
    except FlowServiceError as error:
        raise adobe_failed(error, doing="checking the target sandbox", sandbox=account.sandbox_name) from None
    return found, problems


def _schemas_by_title(client: FlowServiceClient) -> dict[str, list[str]]:
    titles: dict[str, list[str]] = {}
    for schema in client.list_tenant_schemas():
        titles.setdefault(str(schema.get("title", "")), []).append(str(schema.get("$id", "")))
    return titles


def _check_one(
    flow: dict[str, Any], *, schemas: dict[str, list[str]], account: Onboarding, client: FlowServiceClient
) -> tuple[Resolved | None, list[str]]:
    problems = _consumer_group_problems(flow, account)
    title, sandbox = flow["dataset"]["schema_title"], account.sandbox_name
    ids = schemas.get(title, [])
    if len(ids) != 1:
        many = f"{len(ids)} schemas are titled “{title}”" if ids else f"there is no schema titled “{title}”"
        return None, [*problems, f"{many} in the sandbox {sandbox}."]
    problems += _mapping_problems(flow, schema_id=ids[0], sandbox=sandbox, client=client)
    dataset_id = client.find_dataset(flow["dataset"]["name"]) or ""
    if dataset_id and _schema_of_dataset(client, dataset_id) != ids[0]:
        problems.append(f"the dataset “{flow['dataset']['name']}” in the sandbox {sandbox} is on another schema.")
    return Resolved(schema_id=ids[0], dataset_id=dataset_id), problems


def _mapping_problems(flow: dict[str, Any], *, schema_id: str, sandbox: str, client: FlowServiceClient) -> list[str]:
    """Fields the mapping writes that the schema lacks, or required ones it leaves empty (Adobe refuses every
    record without them); once none, what Data Prep refuses of it."""
    rows, title = flow.get("mapping", []), flow["dataset"]["schema_title"]
    targets = schema_fields(client.get_schema(schema_id))
    fields = {field.path for field in targets}
    missing = [
        f"the schema “{title}” in the sandbox {sandbox} has no field {row['destination']} "
        f"(mapped from {row['source']})."
        for row in rows
        if row["destination"] not in fields
    ]
    missing += [
        f"the mapping leaves {path}, required by the schema “{title}”, empty: Adobe refuses every record without it."
        for path in required_left_empty(rows, targets)
    ]
    if missing or not rows:
        return missing
    mapping = tuple(
        FieldMapping(row["source"], row["destination"], source_type=row.get("source_type", "ATTRIBUTE")) for row in rows
    )
    answer = client.validate_mappings(MappingSetInput(schema=schema_id, mappings=mapping))
    return [
        f"the mapping of {rows[index]['source']} to {rows[index]['destination']} is refused: {said}."
        for index, said in mapping_row_problems(answer, len(rows)).items()
    ]


def _schema_of_dataset(client: FlowServiceClient, dataset_id: str) -> str:
    return str((client.get_dataset(dataset_id).get("schemaRef") or {}).get("id", ""))


def _groups_read_twice(flows: list[dict[str, Any]], account: Onboarding) -> list[str]:
    """Two dataflows of the file with a source connection of their own on one hub and consumer group."""
    seen: dict[tuple[str, str], str] = {}
    problems = []
    for flow in (flow for flow in flows if not reads_account_source(flow, account)):
        slot = (flow["event_hub"], flow["consumer_group"])
        if slot in seen:
            problems.append(
                f"Dataflow “{flow['name']}”: the consumer group {slot[1]} of the event hub {slot[0]} is read by "
                f"“{seen[slot]}” too, and a consumer group serves one flow at a time."
            )
        seen.setdefault(slot, flow["name"])
    return problems


def _consumer_group_problems(flow: dict[str, Any], account: Onboarding) -> list[str]:
    hub, group = flow["event_hub"], flow["consumer_group"]
    if reads_account_source(flow, account):
        return []
    if reader_of(account, event_hub_name=hub, consumer_group=group) is None:
        return []
    return [
        f"the consumer group {group} already feeds a flow of the event hub {hub}, and a consumer group serves one "
        f"flow at a time: choose another consumer group of this event hub for the import."
    ]
