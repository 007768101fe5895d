"""The dataflow pages without a browser: ownership, step guards, export, admin and CSV."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from connections.models import Dataflow
from connections.services import dataflow as df
from tests.conftest import DEMO_MANAGE_KEY
from tests.test_dataflow_services import chosen_raw_dataflow

pytestmark = pytest.mark.django_db


def url(name: str, dataflow: Dataflow) -> str:
    return reverse(f"onboarding:{name}", args=[dataflow.onboarding.public_id, dataflow.public_id])


def test_another_users_dataflow_is_not_found(make_onboarding, client, other_user):
    dataflow = chosen_raw_dataflow(make_onboarding)
    client.force_login(other_user)
    for name in ("dataflow_data", "dataflow_dataset", "dataflow_mapping", "dataflow_review", "dataflow_watch"):
        assert client.get(url(name, dataflow)).status_code == 404


def test_a_step_not_reached_yet_sends_to_the_furthest_one(make_onboarding, alice):
    onboarding = make_onboarding("source")
    response = alice.post(reverse("onboarding:dataflow_new", args=[onboarding.public_id]))
    dataflow = Dataflow.objects.get()
    assert response.url == url("dataflow_data", dataflow)
    assert alice.get(url("dataflow_review", dataflow)).url == url("dataflow_data", dataflow)
    assert alice.get(url("dataflow_watch", dataflow)).url == url("dataflow_data", dataflow)


def test_a_created_dataflow_only_shows_its_activity(make_onboarding, alice):
    dataflow = df.dataflow_finish(dataflow=chosen_raw_dataflow(make_onboarding), actor=None)
    assert alice.get(url("dataflow_mapping", dataflow)).url == url("dataflow_watch", dataflow)
    html = alice.get(url("dataflow_watch", dataflow)).content.decode()
    assert dataflow.flow_id in html and "Adobe publishes no link to one dataflow" in html
    activity = alice.get(url("dataflow_activity", dataflow)).content.decode()
    assert 'id="records-ingested"' in activity
    assert DEMO_MANAGE_KEY not in html + activity


def test_the_json_export_includes_the_dataflow(make_onboarding, alice):
    dataflow = df.dataflow_finish(dataflow=chosen_raw_dataflow(make_onboarding), actor=None)
    response = alice.get(reverse("onboarding:export", args=[dataflow.onboarding.public_id]))
    exported = json.loads(response.content)
    assert exported["dataflows"][0]["flowId"] == dataflow.flow_id
    assert exported["dataflows"][0]["mapping"]["id"] == dataflow.mapping_set_id
    assert DEMO_MANAGE_KEY not in response.content.decode()


def test_admin_shows_the_dataflow_its_changes_and_calls_and_the_csv_has_it(make_onboarding, admin_client):
    dataflow = df.dataflow_finish(dataflow=chosen_raw_dataflow(make_onboarding), actor=None)
    client = admin_client
    page = client.get(reverse("admin:connections_onboarding_change", args=[dataflow.onboarding.pk])).content.decode()
    assert "Create dataflow" in page and "Create mapping set" in page and "Creating the dataset" in page
    listing = client.get(reverse("admin:connections_dataflow_changelist")).content.decode()
    assert dataflow.flow_id in listing
    assert client.get(reverse("admin:connections_dataflow_change", args=[dataflow.pk])).status_code == 200
    csv = b"".join(
        client.post(
            reverse("admin:connections_onboarding_changelist"),
            {"action": "export_onboardings", "_selected_action": [dataflow.onboarding.pk]},
        ).streaming_content
    ).decode()
    assert "dataflows" in csv.splitlines()[0] and dataflow.flow_id in csv
