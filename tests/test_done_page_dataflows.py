"""The Done page's account of the dataflows, against the emulator: every ticked event hub in "What was used"
with where its dataflow stands, and "Set up the dataflow" offered again once the one on the account's own source
connection is deleted in Adobe."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from connections.models import Dataflow
from connections.services import deletion
from connections.services import hubs as services
from tests.test_deletes import created_dataflow
from tests.test_many_hubs import HUBS, existing_dataset, submitted, ticked, with_shared_settings

SET_UP = re.compile(r'<button type="submit" class="primary">Set up the dataflow</button>')


def used(page: str) -> str:
    """The "What was used" list of event hubs."""
    found = re.search(r'<ul class="hubs-used">(.*?)</ul>\s*<a href="([^"]+)"', page, re.S)
    assert found is not None
    return found.group(1) + found.group(2)


@pytest.mark.django_db
def test_every_ticked_hub_is_listed_with_its_dataflows_state_and_the_hubs_page(
    alice, make_onboarding, emulator, make_client
):
    dataset_id = existing_dataset(make_client)
    onboarding = submitted(make_onboarding("base"), ticked(*HUBS))
    with_shared_settings(onboarding, dataset_id)
    emulator.fault("/flows", method="POST", status=503)  # the first hub's flow fails, the others go on
    services.hubs_finish(onboarding=onboarding, actor=onboarding.owner)
    failed = onboarding.dataflows.get(status=Dataflow.Status.FAILED)
    page = alice.get(reverse("onboarding:done", args=[onboarding.public_id])).content.decode()
    listed = used(page)
    for hub in HUBS:
        assert f"<code>{hub}</code> · consumer group <code>aep-{hub}</code>" in listed
    assert listed.count("dataflow running") == 2 and listed.count("dataflow creation failed") == 1
    assert f"<code>{failed.event_hub_name}</code>" in listed
    assert reverse("onboarding:hubs", args=[onboarding.public_id]) in listed


@pytest.mark.django_db
def test_a_ticked_hub_without_a_dataflow_yet_says_so(alice, make_onboarding, emulator):
    onboarding = submitted(make_onboarding("base"), ticked("orders", "clickstream"))
    listed = used(alice.get(reverse("onboarding:done", args=[onboarding.public_id])).content.decode())
    assert "<code>orders</code> · consumer group <code>aep-orders</code> · XDM" in listed
    assert "no dataflow yet" in listed and "dataflow being set up" in listed
    assert SET_UP.search(alice.get(reverse("onboarding:done", args=[onboarding.public_id])).content.decode())


@pytest.mark.django_db(transaction=True)
def test_the_dataflow_is_offered_again_once_the_only_one_on_the_source_is_deleted(alice, make_onboarding, emulator):
    onboarding = make_onboarding("source")
    done = reverse("onboarding:done", args=[onboarding.public_id])
    dataflow = created_dataflow(onboarding, "Orders from Event Hubs")
    page = alice.get(done).content.decode()
    assert not SET_UP.search(page) and "running" in page
    deletion.dataflow_delete_in_adobe(dataflow=dataflow, actor=onboarding.owner)
    page = alice.get(done).content.decode()
    assert SET_UP.search(page) and "deleted in Adobe" in page
    answer = alice.post(reverse("onboarding:dataflow_new", args=[onboarding.public_id]))
    assert answer.status_code == 302
    fresh = onboarding.dataflows.get(status=Dataflow.Status.DRAFT)
    assert not fresh.own_source and fresh.pk != dataflow.pk
    page = alice.get(done).content.decode()
    assert (
        not SET_UP.search(page)
        and reverse("onboarding:dataflow_watch", args=[onboarding.public_id, fresh.public_id]) in page
    )


@pytest.mark.django_db(transaction=True)
def test_the_hubs_page_offers_the_first_hubs_dataflow_again_once_it_is_deleted(alice, make_onboarding, emulator):
    onboarding = submitted(make_onboarding("base"), ticked("orders", "clickstream", data_type="raw"))
    deletion.dataflow_delete_in_adobe(dataflow=created_dataflow(onboarding, "Orders"), actor=onboarding.owner)
    page = alice.get(reverse("onboarding:hubs", args=[onboarding.public_id])).content.decode()
    assert "Set up the dataflow of orders" in page and "Deleted in Adobe" in page
    assert "Set up the dataflow" in alice.get(reverse("onboarding:done", args=[onboarding.public_id])).content.decode()
