"""The Mapping step's rows: every field of the events, every required field of the schema, refused when a required
one is left empty, and a second dataflow on a schema starting from the first one's mapping."""

from __future__ import annotations

import pytest

from connections.models import Dataflow, Onboarding
from connections.services import dataflow_choices as choices
from connections.services.dataflow_choices import DataflowSource
from connections.services.dataflow_fields import (
    GENERATED_ID,
    SampleField,
    SchemaField,
    completed,
    offers_generated_id,
    required_left_empty,
    suggest,
    unmapped_required,
    with_generated_id,
)
from tests.test_dataflow_services import ORDERS_SCHEMA, chosen_raw_dataflow

FIELDS = [
    SampleField("id", "string", "ORD-1"),
    SampleField("placedAt", "string", "2026-03-01T10:00:00.000Z"),
    SampleField("coupon", "string", "SPRING"),
]
TARGETS = [
    SchemaField("_id", "string", required=True),
    SchemaField("timestamp", "date-time", required=True),
    SchemaField("_eventhubsdemo.order.placedAt", "date-time"),
]


def test_a_field_with_no_match_is_a_row_without_a_destination_and_the_time_fills_timestamp():
    rows = suggest(FIELDS, TARGETS)
    assert {"source": "coupon", "destination": ""} in rows
    assert {"source": "placedAt", "destination": "_eventhubsdemo.order.placedAt"} in rows
    assert {"source": "placedAt", "destination": "timestamp"} in rows
    assert {"source": "id", "destination": "_id"} in rows


def test_the_page_shows_each_field_and_each_required_field_once():
    kept = [{"source": "id", "destination": "_id"}, {"source": "id", "destination": "_id"}]
    shown = completed(kept, FIELDS, TARGETS, unmatched=True)
    assert shown == [
        {"source": "id", "destination": "_id"},
        {"source": "placedAt", "destination": ""},
        {"source": "coupon", "destination": ""},
        {"source": "", "destination": "timestamp"},
    ]
    assert completed(kept, FIELDS, TARGETS, unmatched=False)[-1] == {"source": "", "destination": "timestamp"}
    assert required_left_empty(shown, TARGETS) == ["timestamp"]  # the import of an onboarding file says so too
    assert unmapped_required(shown, TARGETS) == {
        3: "timestamp is required by the schema: choose the field of your events that fills it."
    }


@pytest.mark.django_db
def test_check_refuses_a_mapping_without_a_required_field_before_asking_data_prep(make_onboarding):
    dataflow = chosen_raw_dataflow(make_onboarding)
    choices.dataflow_read(choices.SCHEMA, dataflow=dataflow, actor=dataflow.onboarding.owner)  # held, as on the page
    rows = [{"source": "id", "destination": "_id"}, {"source": "", "destination": "timestamp"}]
    with pytest.raises(choices.RequiredUnmapped) as refused:
        choices.dataflow_start_mapping_check(dataflow=dataflow, actor=dataflow.onboarding.owner, rows=rows)
    assert set(refused.value.rows) == {1}
    assert "Adobe refuses every record without them" in refused.value.problem.message


def another(onboarding: Onboarding, group: str) -> Dataflow:
    source = DataflowSource("orders", group, "raw", "earliest")
    dataflow = choices.dataflow_start(onboarding=onboarding, actor=onboarding.owner, source=source)
    dataflow = choices.dataflow_preview(dataflow=dataflow, actor=onboarding.owner)
    choice = choices.DatasetChoice(new_name=f"Orders {group}", schema_id=ORDERS_SCHEMA, profile_enabled=False)
    return choices.dataflow_choose_dataset(dataflow=dataflow, actor=onboarding.owner, choice=choice)


@pytest.mark.django_db
def test_a_second_dataflow_of_the_onboarding_or_account_starts_from_the_first_ones_mapping(make_onboarding):
    first = chosen_raw_dataflow(make_onboarding)
    edited = [{"source": "status", "destination": "eventType"}, {"source": "id", "destination": "_id"}]
    first.mappings = [*edited, {"source": "placedAt", "destination": "timestamp"}]
    first.save()
    second = another(first.onboarding, "aep-orders-second")
    assert second.mappings == first.mappings
    account = make_onboarding("source", consumer_group="aep-orders-elsewhere")
    Onboarding.objects.filter(pk=account.pk).update(base_connection_id=first.onboarding.base_connection_id)
    account.refresh_from_db()
    assert another(account, "aep-orders-third").mappings == first.mappings
    unrelated = another(make_onboarding("source", consumer_group="aep-orders-unrelated"), "aep-orders-fourth")
    assert {"source": "status", "destination": "_eventhubsdemo.order.status"} in unrelated.mappings


def test_a_generated_id_takes_the_place_of_the_empty_id_row_and_fills_it():
    shown = completed([{"source": "placedAt", "destination": "timestamp"}], FIELDS[1:], TARGETS, unmatched=False)
    assert shown == [{"source": "placedAt", "destination": "timestamp"}, {"source": "", "destination": "_id"}]
    assert offers_generated_id(shown, TARGETS)
    assert "or generate a unique ID for each record" in unmapped_required(shown, TARGETS)[1]
    generated = with_generated_id(shown)
    assert generated == [{"source": "placedAt", "destination": "timestamp"}, GENERATED_ID]
    assert GENERATED_ID == {"source": "uuid()", "destination": "_id", "source_type": "EXPRESSION"}
    assert required_left_empty(generated, TARGETS) == [] and not offers_generated_id(generated, TARGETS)
    assert not offers_generated_id([{"source": "id", "destination": "_id"}], TARGETS)  # the events' own id
    assert not offers_generated_id([], TARGETS[1:])  # a schema without `_id`


@pytest.mark.django_db
def test_a_second_dataflow_keeps_the_first_ones_generated_id(make_onboarding):
    first = chosen_raw_dataflow(make_onboarding)
    first.mappings = [{"source": "placedAt", "destination": "timestamp"}, dict(GENERATED_ID)]
    first.save()
    assert another(first.onboarding, "aep-orders-second").mappings == first.mappings
