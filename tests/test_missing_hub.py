"""A misspelt event hub or a missing consumer group, against the live emulator: said plainly at each step."""

from __future__ import annotations

import pytest
import requests
from django.test import override_settings

from connections import services
from connections.models import CheckState, Dataflow, Onboarding
from connections.services import dataflow as df
from connections.services import dataflow_choices as choices
from connections.services import wizard
from connections.services.errors import OnboardingError
from tests.conftest import DEMO_LISTEN_KEY, DEMO_LISTEN_KEY_NAME, IMMEDIATE_TASKS
from tests.test_dataflow_services import ORDERS_SCHEMA

pytestmark = pytest.mark.django_db


def with_source(make_onboarding, hub: str, group: str = "aep-orders", **account: str) -> Onboarding:
    onboarding = make_onboarding("base", **account)
    source = services.Source(hub, "raw", "earliest", group)
    onboarding = wizard.onboarding_save_source(onboarding=onboarding, actor=onboarding.owner, source=source)
    return wizard.onboarding_create_source_connection(onboarding=onboarding, actor=onboarding.owner)


def listen_only(make_onboarding, hub: str, group: str = "aep-orders") -> Onboarding:
    return with_source(make_onboarding, hub, group, sas_key_name=DEMO_LISTEN_KEY_NAME, sas_key=DEMO_LISTEN_KEY)


def hub_check(onboarding: Onboarding):
    return next(check for check in onboarding.checks if check.key == "event_hub")


def test_a_listen_only_policy_leaves_the_hub_unchecked_and_says_why(make_onboarding):
    onboarding = listen_only(make_onboarding, "ordrs")
    check = hub_check(onboarding)
    assert check.state == CheckState.UNVERIFIED and onboarding.unchecked_event_hub == check
    assert "ordrs: not checked" in check.detail and "(Listen)" in check.detail and "Manage" in check.detail


def test_a_hub_the_test_listed_is_checked_once_the_source_names_it(make_onboarding):
    onboarding = with_source(make_onboarding, "orders")
    assert hub_check(onboarding).state == CheckState.PASSED and onboarding.unchecked_event_hub is None


def test_previewing_a_hub_azure_does_not_know_says_so_not_paste_a_sample(make_onboarding):
    onboarding = listen_only(make_onboarding, "ordrs")
    dataflow = choices.dataflow_start(onboarding=onboarding, actor=onboarding.owner)
    with pytest.raises(OnboardingError) as refused:
        choices.dataflow_preview(dataflow=dataflow, actor=onboarding.owner)
    assert refused.value.field == "event_hub_name"
    assert refused.value.problem.title == "The event hub does not exist"
    assert "no event hub named ordrs" in refused.value.message and "a sample would not help" in refused.value.message


def dataflow_created_on_a_sample(onboarding: Onboarding, *, dataset_name: str = "Orders") -> Dataflow:
    """What a person steered to a sample would have done: a dataflow created on the onboarding's hub, whether
    Azure knows that hub or not (set-up, tasks run as they are queued)."""
    with override_settings(TASKS=IMMEDIATE_TASKS):
        dataflow = choices.dataflow_start(onboarding=onboarding, actor=onboarding.owner)
        dataflow = choices.dataflow_use_sample(dataflow=dataflow, text='{"id": "1", "customerId": "c7", "total": 3}')
        choice = choices.DatasetChoice(new_name=dataset_name, schema_id=ORDERS_SCHEMA, profile_enabled=False)
        dataflow = choices.dataflow_choose_dataset(dataflow=dataflow, actor=onboarding.owner, choice=choice)
        df.dataflow_finish(dataflow=dataflow, actor=None)
    return dataflow


def runs_of(onboarding: Onboarding, emulator) -> choices.Activity:
    dataflow = dataflow_created_on_a_sample(onboarding)
    requests.post(f"{emulator.url}/__emulator__/clock", json={"freeze": True, "advance": 600}, timeout=5)
    return choices.dataflow_activity(dataflow=Dataflow.objects.get(pk=dataflow.pk), actor=None)


def test_runs_on_a_missing_hub_lead_with_it(make_onboarding, emulator):
    activity = runs_of(listen_only(make_onboarding, "ordrs"), emulator)
    assert activity.latest_status == "failed"
    assert activity.reads_nothing["headline"] == (
        "The dataflow runs, but reads nothing: the namespace contoso-events has no event hub named ordrs."
    )


def test_runs_on_a_missing_consumer_group_lead_with_it(make_onboarding, emulator):
    activity = runs_of(with_source(make_onboarding, "orders", "aep-ordres"), emulator)
    assert "the event hub orders has no consumer group aep-ordres" in activity.reads_nothing["headline"]
    assert "Consumer groups" in activity.reads_nothing["action"]


def test_runs_that_read_say_nothing_of_the_kind(make_onboarding, emulator):
    assert runs_of(with_source(make_onboarding, "orders"), emulator).reads_nothing == {}
