"""The onboarding file: its format (a JSON Schema beside this module), reading and checking one, and the export.

The file carries what a person chose (names, event hubs, consumer groups, data types, the dataset by name and its
schema by title, the mapping, a few sample events) and never a secret or an Adobe id: ids differ from one sandbox
to the next, and a secret must never leave the app. Its origin (the app's reference of the onboarding, and its
sandbox) lets an import by the same app link the copy to its original.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from django.db.models import QuerySet

from connections import adobe
from connections.flowservice import FlowServiceError
from connections.models import Dataflow, Onboarding
from connections.services.errors import adobe_failed

FORMAT = "eventhubs-onboarding"
VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("onboarding-file.schema.json")
ROW_KEYS = ("source", "destination", "source_type")  # a mapping row as a file keeps it (no source_type: a field)
SAMPLE_EVENTS = 5  # enough for the mapping page to show the fields; few, as they are real events


class FileProblems(Exception):
    """A file the import cannot take, or a target sandbox that lacks what it needs: every problem, in order."""

    def __init__(self, problems: list[str], *, heading: str) -> None:
        super().__init__(heading)
        self.heading = heading
        self.problems = problems


@cache
def file_schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


class _JsonLikeLoader(yaml.SafeLoader):
    """YAML read as JSON would read the same document: a date stays text (the app keeps events as JSON), and no
    alias (`*name`): plain data needs none, and aliases of aliases make a few lines stand for a tree too large to
    check (the import page reads files from anyone who may sign in)."""

    yaml_implicit_resolvers = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            peek: Any = self.peek_event  # untyped in PyYAML's stubs
            mark = peek().start_mark
            raise yaml.composer.ComposerError(None, None, "an alias (*name) is not allowed in an onboarding file", mark)
        return super().compose_node(parent, index)


def read_document(text: str, *, as_yaml: bool = False) -> dict[str, Any]:
    """The document in `text` (JSON, or YAML), checked against the format's JSON Schema; FileProblems lists what
    is wrong."""
    try:
        # A SafeLoader: YAML's tags that build Python objects are refused.
        document = yaml.load(text, Loader=_JsonLikeLoader) if as_yaml else json.loads(text)
    except (ValueError, RecursionError, yaml.YAMLError) as error:
        form = "YAML" if as_yaml else "JSON"
        raise FileProblems([f"The file is not {form}: {error}."], heading="The file cannot be read") from None
    problems = schema_problems(document) or duplicate_names(document)
    if problems:
        raise FileProblems(problems, heading="The file does not follow the onboarding file format")
    return dict(document)


def as_yaml(document: dict[str, Any]) -> str:
    """The document as YAML, its keys in the format's order."""
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def schema_problems(document: Any) -> list[str]:
    """Each way the document breaks the JSON Schema, said with where it is (`dataflows[0].consumer_group`)."""
    validator = jsonschema.Draft202012Validator(file_schema())
    errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{_where(error.absolute_path)}: {_said(error)}" for error in errors]


def _said(error: Any) -> str:
    """jsonschema's message, or for a pattern (which reads as a regular expression) what the field must be."""
    if error.validator == "pattern" and "description" in error.schema:
        return f"{error.instance!r} is not {error.schema['description']}"
    return str(error.message)


def _where(path: Any) -> str:
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path).lstrip(".")
    return where or "the document"


def duplicate_names(document: dict[str, Any]) -> list[str]:
    names = [flow["name"] for flow in document["dataflows"]]
    return [f"dataflows[{i}].name: “{name}” is used twice" for i, name in enumerate(names) if name in names[:i]]


def onboarding_export_document(onboarding: Onboarding, *, actor: Any = None) -> dict[str, Any]:
    """The onboarding and its reviewed dataflows as a file's document (drafts are not finished choices, and a
    deleted dataflow is gone from Adobe)."""
    flows = list(
        onboarding.dataflows.exclude(status__in=[Dataflow.Status.DRAFT, Dataflow.Status.DELETED]).order_by(
            "created_at", "id"
        )
    )
    dataset_names = _dataset_names(flows, onboarding=onboarding, actor=actor)
    return {
        "format": FORMAT,
        "version": VERSION,
        "onboarding": {"name": onboarding.name, "description": onboarding.description},
        "origin": {"onboarding": str(onboarding.public_id), "sandbox": onboarding.sandbox_name},
        "dataflows": [_dataflow_document(flow, dataset_names[flow.pk]) for flow in flows],
    }


def _dataset_names(flows: list[Dataflow], *, onboarding: Onboarding, actor: Any) -> dict[int, str]:
    """Each dataflow's dataset name. One on an existing dataset knows it only by id: its name is read from Catalog
    (the read is recorded in the onboarding's history)."""
    names = {flow.pk: flow.dataset_name for flow in flows}
    unnamed = [flow for flow in flows if not flow.dataset_name]
    if not unnamed:
        return names
    client = adobe.flow_client(onboarding=onboarding, actor=actor)
    try:
        return names | {flow.pk: str(client.get_dataset(flow.dataset_id).get("name", "")) for flow in unnamed}
    except FlowServiceError as error:
        doing = "reading a dataset's name"
        raise adobe_failed(error, doing=doing, sandbox=onboarding.sandbox_name) from None


def _dataflow_document(dataflow: Dataflow, dataset_name: str) -> dict[str, Any]:
    document: dict[str, Any] = {
        "name": dataflow.name,
        "description": dataflow.description,
        "event_hub": dataflow.event_hub_name,
        "consumer_group": dataflow.consumer_group,
        "data_type": dataflow.data_type,
        "reset": dataflow.reset,
        "dataset": {
            "name": dataset_name,
            "schema_title": dataflow.schema_title,
            "profile_enabled": dataflow.profile_enabled,
        },
    }
    if dataflow.is_raw:
        rows = dataflow.mappings or []
        document["mapping"] = [{k: m[k] for k in ROW_KEYS if k in m} for m in rows]
        document["sample"] = list(dataflow.sample or [])[:SAMPLE_EVENTS]
    return document


COMPARED = {"event_hub": "event hub", "consumer_group": "consumer group", "data_type": "data type", "reset": "start"}


def differences(flow: dict[str, Any], dataflow: Dataflow) -> list[str]:
    """What of a file's dataflow differs from the app's dataflow of that name (the sample events are not compared:
    they are an example, not a choice)."""
    ours = {
        "event_hub": dataflow.event_hub_name,
        "consumer_group": dataflow.consumer_group,
        "data_type": dataflow.data_type,
        "reset": dataflow.reset,
    }
    said = [label for key, label in COMPARED.items() if flow[key] != ours[key]]
    if flow["dataset"]["schema_title"] != dataflow.schema_title:
        said.append("schema")
    if dataflow.dataset_name and flow["dataset"]["name"] != dataflow.dataset_name:
        said.append("dataset")
    if _rows(flow.get("mapping")) != _rows(dataflow.mappings):
        said.append("mapping")
    return said


def _rows(mapping: list[dict[str, str]] | None) -> set[tuple[str, ...]]:
    return {tuple(row.get(k, "") for k in ROW_KEYS) for row in mapping or []}


def origin_of(document: dict[str, Any], *, visible: QuerySet[Onboarding]) -> Onboarding | None:
    """The onboarding the file was written from, when the file says so and it is among `visible` (the importer's
    own): a reference typed into a file proves nothing, so another's onboarding is never linked."""
    reference = (document.get("origin") or {}).get("onboarding")
    return visible.filter(public_id=reference).first() if reference else None
