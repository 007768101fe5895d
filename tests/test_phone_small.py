"""Small truths below the pages: Archive's undo and the one-reader rule, the Dataset step's closed sides, the
latest run's own counts, and a hub policy's connection string on a namespace-wide account's correction."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from connections import services
from connections.services import dataflow_choices as choices
from connections.services import wizard
from connections.services.errors import OnboardingError
from onboarding.forms.dataflow import DatasetForm, empty_sides
from tests.conftest import DEMO_HUB_KEY, DEMO_HUB_KEY_NAME, DEMO_LISTEN_KEY

pytestmark = pytest.mark.django_db


def test_undoing_an_archive_takes_the_consumer_group_again_or_is_refused(make_onboarding, user):
    first = make_onboarding("base", name="First")
    first = wizard.onboarding_save_source(
        onboarding=first, actor=user, source=services.Source("orders", "raw", "earliest", "aep-orders")
    )
    services.onboarding_archive(onboarding=first, actor=user)  # no source connection: its group is free again
    make_onboarding("source", name="Second")  # takes aep-orders
    with pytest.raises(OnboardingError, match="is already read by"):
        services.onboarding_unarchive(onboarding=first, actor=user)
    first.refresh_from_db()
    assert first.archived_at is not None


def test_undoing_an_archive_brings_it_back(make_onboarding, user):
    onboarding = make_onboarding("source")
    services.onboarding_archive(onboarding=onboarding, actor=user)
    assert services.onboarding_unarchive(onboarding=onboarding, actor=user).archived_at is None


def test_an_empty_side_is_closed_and_cannot_be_posted():
    schemas = [{"id": "s1", "title": "Orders"}]
    closed = empty_sides([], schemas)
    assert closed == {"existing"} and empty_sides([], []) == frozenset()
    form = DatasetForm({"choice": "existing"}, datasets=[], schemas=schemas, unavailable=closed)
    assert not form.is_valid() and "This sandbox has none yet." in form.errors["choice"]
    shown = str(DatasetForm(datasets=[], schemas=schemas, unavailable=closed)["choice"])
    assert re.search(r'<input type="radio" name="choice" value="existing"[^>]* disabled', shown)


def test_the_latest_run_is_the_newest_by_its_start_with_its_own_counts():
    def run(started: int, received: int) -> dict:
        return {
            "metrics": {"durationSummary": {"startedAtUTC": started}, "recordSummary": {"inputRecordCount": received}}
        }

    activity = choices.activity_from(None, {}, [run(1, 5), run(3, 7), run(2, 9)])  # no run failed: no dataflow read
    assert activity.latest == {
        "received": 7,
        "ingested": 0,
        "failed": 0,
        "started_ms": 3,
    }


def test_a_hub_policy_on_a_namespace_wide_correction_is_refused_next_to_the_field(alice, make_onboarding, user):
    onboarding = make_onboarding("base", sas_key=DEMO_LISTEN_KEY)  # a test that fails: the correction form
    assert onboarding.account_gated
    string = (
        f"Endpoint=sb://contoso-events.servicebus.windows.net/;SharedAccessKeyName={DEMO_HUB_KEY_NAME};"
        f"SharedAccessKey={DEMO_HUB_KEY};EntityPath=orders"
    )
    response = alice.post(
        reverse("onboarding:account", args=[onboarding.public_id]), {"connection_string": string, "sas_key": ""}
    )
    page = response.content.decode()
    assert "EntityPath=orders" in page and "needs a policy of the whole namespace" in page
    onboarding.refresh_from_db()
    assert onboarding.auth_type == "standard"
