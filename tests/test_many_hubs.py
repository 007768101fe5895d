"""Several event hubs in one go, against the emulator: ticked on the Source step (each with its consumer group,
held by the one-reader rule across the ticked hubs), then each hub's dataflow created on its own with the dataset
and mapping chosen once, nothing created twice, and a failing hub retried alone."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from connections import services
from connections.flowservice import DatasetInput
from connections.models import Dataflow, DataflowChange, Onboarding, ReaderSlot
from connections.services import dataflow_choices as choices
from connections.services import hubs
from connections.services.hubs import HubRefused
from tests.test_dataflow_services import ORDERS_SCHEMA

pytestmark = pytest.mark.django_db

HUBS = ("orders", "clickstream", "inventory-updates")


def ticked(*names: str, data_type: str = "xdm", **groups: str) -> list[services.Source]:
    return [
        services.Source(hub, data_type, "earliest", groups.get(hub.replace("-", "_"), hubs.consumer_group_for(hub)))
        for hub in names
    ]


def submitted(onboarding: Onboarding, sources: list[services.Source]) -> Onboarding:
    return hubs.onboarding_submit_hubs(onboarding=onboarding, actor=onboarding.owner, sources=sources)


def existing_dataset(make_client: Any) -> str:
    return str(make_client().create_dataset(DatasetInput(name="Shop events (XDM)", schema_id=ORDERS_SCHEMA)))


def with_shared_settings(onboarding: Onboarding, dataset_id: str) -> Dataflow:
    """The first hub's dataflow with an existing dataset chosen: the settings the others share."""
    template = choices.dataflow_start(onboarding=onboarding, actor=onboarding.owner)
    choice = choices.DatasetChoice(existing_id=dataset_id)
    return choices.dataflow_choose_dataset(dataflow=template, actor=onboarding.owner, choice=choice)


class TestTicking:
    def test_the_first_hub_is_the_source_connection_and_each_other_a_dataflow_of_its_own(
        self, make_onboarding, emulator
    ):
        onboarding = submitted(make_onboarding("base"), ticked(*HUBS))
        assert onboarding.status == Onboarding.Status.SOURCE_CREATED
        assert (onboarding.event_hub_name, onboarding.consumer_group) == ("orders", "aep-orders")
        drafts = onboarding.dataflows.order_by("event_hub_name")
        assert [(d.event_hub_name, d.consumer_group, d.own_source) for d in drafts] == [
            ("clickstream", "aep-clickstream", True),
            ("inventory-updates", "aep-inventory-updates", True),
        ]
        assert ReaderSlot.objects.filter(onboarding=onboarding).count() == 3
        assert emulator.stats()["sourceConnections"] == 1  # the others' are created with their dataflows

    def test_a_ticked_hub_whose_group_another_onboarding_reads_refuses_the_whole_submit(
        self, make_onboarding, emulator
    ):
        other = make_onboarding("base", name="Clicks elsewhere")
        submitted(other, ticked("clickstream", clickstream="aep-clickstream"))
        onboarding = make_onboarding("base", name="Many hubs")
        with pytest.raises(HubRefused) as refused:
            submitted(onboarding, ticked(*HUBS))
        assert refused.value.hub == "clickstream" and refused.value.field == "consumer_group"
        assert "is already read by the onboarding “Clicks elsewhere”" in refused.value.message
        onboarding.refresh_from_db()
        assert onboarding.status == Onboarding.Status.BASE_CREATED  # nothing claimed...
        assert not onboarding.dataflows.exists() and not ReaderSlot.objects.filter(onboarding=onboarding).exists()
        assert emulator.stats()["sourceConnections"] == 1  # ...and nothing asked of Adobe: the other's only

    def test_the_first_hubs_group_taken_leaves_the_other_hubs_drafts_undone(self, make_onboarding):
        make_onboarding("source", name="Orders elsewhere", consumer_group="aep-orders")
        onboarding = make_onboarding("base", name="Many hubs")
        with pytest.raises(HubRefused) as refused:
            submitted(onboarding, ticked(*HUBS))
        assert refused.value.hub == "orders"
        assert not onboarding.dataflows.exists() and not ReaderSlot.objects.filter(onboarding=onboarding).exists()

    def test_two_ticked_hubs_cannot_share_one_reader(self, make_onboarding):
        onboarding = make_onboarding("base")
        twice = [
            services.Source("orders", "xdm", "earliest", "aep-x"),
            services.Source("orders", "xdm", "latest", "aep-x"),
        ]
        with pytest.raises(HubRefused) as refused:
            submitted(onboarding, twice)
        assert refused.value.field == "consumer_group" and "is already read by" in refused.value.message
        assert not ReaderSlot.objects.filter(onboarding=onboarding).exists()

    def test_a_second_submit_creates_nothing_twice(self, make_onboarding, emulator):
        onboarding = submitted(make_onboarding("base"), ticked(*HUBS))
        with pytest.raises(HubRefused):
            submitted(onboarding, ticked(*HUBS))  # a double submit, or a stale tab
        assert onboarding.dataflows.count() == 2 and ReaderSlot.objects.filter(onboarding=onboarding).count() == 3
        assert emulator.stats()["sourceConnections"] == 1

    def test_submitted_again_after_the_source_connection_failed_keeps_each_hubs_draft(self, make_onboarding, emulator):
        emulator.fault("/sourceConnections", method="POST", status=400)
        onboarding = submitted(make_onboarding("base"), ticked(*HUBS))
        assert onboarding.status == Onboarding.Status.SOURCE_FAILED
        onboarding = submitted(onboarding, ticked(*HUBS, clickstream="aep-clicks"))
        assert onboarding.status == Onboarding.Status.SOURCE_CREATED
        groups = dict(onboarding.dataflows.values_list("event_hub_name", "consumer_group"))
        assert groups == {"clickstream": "aep-clicks", "inventory-updates": "aep-inventory-updates"}
        assert set(ReaderSlot.objects.filter(onboarding=onboarding).values_list("consumer_group", flat=True)) == {
            "aep-orders",
            "aep-clicks",
            "aep-inventory-updates",
        }


class TestEachHubsDataflow:
    def test_the_shared_settings_create_each_hubs_objects_once(self, make_onboarding, emulator, make_client):
        dataset_id = existing_dataset(make_client)
        onboarding = submitted(make_onboarding("base"), ticked(*HUBS))
        with_shared_settings(onboarding, dataset_id)
        assert hubs.hubs_finish(onboarding=onboarding, actor=onboarding.owner) == []
        flows = onboarding.dataflows.all()
        assert {d.status for d in flows} == {Dataflow.Status.CREATED} and {d.dataset_id for d in flows} == {dataset_id}
        stats = emulator.stats()
        assert (stats["sourceConnections"], stats["targetConnections"], stats["flows"]) == (3, 3, 3)
        hubs.hubs_finish(onboarding=onboarding, actor=onboarding.owner)  # pressed again: nothing new
        assert emulator.stats() == stats

    def test_one_failing_hub_is_retried_alone_and_the_others_are_untouched(
        self, make_onboarding, emulator, make_client
    ):
        dataset_id = existing_dataset(make_client)
        onboarding = submitted(make_onboarding("base"), ticked(*HUBS))
        with_shared_settings(onboarding, dataset_id)
        emulator.fault("/flows", method="POST", status=503)
        hubs.hubs_finish(onboarding=onboarding, actor=onboarding.owner)
        failed = onboarding.dataflows.get(status=Dataflow.Status.FAILED)
        others = onboarding.dataflows.exclude(pk=failed.pk)
        assert {d.status for d in others} == {Dataflow.Status.CREATED}
        history = {d.pk: DataflowChange.objects.filter(dataflow=d).count() for d in others}
        hubs.hub_retry(dataflow=failed, actor=onboarding.owner)
        failed.refresh_from_db()
        assert failed.status == Dataflow.Status.CREATED
        assert {d.pk: DataflowChange.objects.filter(dataflow=d).count() for d in others} == history
        stats = emulator.stats()
        assert (stats["sourceConnections"], stats["targetConnections"], stats["flows"]) == (3, 3, 3)

    def test_hubs_whose_events_differ_are_left_to_be_set_up_on_their_own(self, make_onboarding, emulator):
        onboarding = submitted(make_onboarding("base"), ticked(*HUBS, data_type="raw"))
        template = choices.dataflow_start(onboarding=onboarding, actor=onboarding.owner)
        template = choices.dataflow_preview(dataflow=template, actor=onboarding.owner)
        choice = choices.DatasetChoice(new_name="Orders", schema_id=ORDERS_SCHEMA)
        choices.dataflow_choose_dataset(dataflow=template, actor=onboarding.owner, choice=choice)
        for other in onboarding.dataflows.filter(own_source=True):
            choices.dataflow_preview(dataflow=other, actor=onboarding.owner)
        found = hubs.hubs_of(onboarding)
        assert found.ready and [hub.fits for hub in found.others] == [False, False]  # clicks, stock: not orders
        hubs.hubs_finish(onboarding=onboarding, actor=onboarding.owner)
        assert set(onboarding.dataflows.values_list("event_hub_name", "status")) == {
            ("orders", Dataflow.Status.CREATED),
            ("clickstream", Dataflow.Status.DRAFT),
            ("inventory-updates", Dataflow.Status.DRAFT),
        }
        assert emulator.stats()["flows"] == 1

    def test_raw_hubs_with_the_same_fields_share_one_new_dataset_and_the_mapping(self, make_onboarding, emulator):
        onboarding = submitted(make_onboarding("base"), ticked("orders", "clickstream", data_type="raw"))
        template = choices.dataflow_start(onboarding=onboarding, actor=onboarding.owner)
        template = choices.dataflow_preview(dataflow=template, actor=onboarding.owner)
        choice = choices.DatasetChoice(new_name="Shop orders", schema_id=ORDERS_SCHEMA)
        template = choices.dataflow_choose_dataset(dataflow=template, actor=onboarding.owner, choice=choice)
        other = onboarding.dataflows.get(own_source=True)
        assert hubs.hubs_of(onboarding).others[0].fits is None  # not previewed yet
        choices.dataflow_use_sample(dataflow=other, text=json.dumps(template.sample))  # the same shape of events
        assert hubs.hubs_of(onboarding).others[0].fits is True
        assert hubs.hubs_finish(onboarding=onboarding, actor=onboarding.owner) == []
        other.refresh_from_db()
        template.refresh_from_db()
        assert other.status == Dataflow.Status.CREATED and other.mappings == template.mappings
        assert other.dataset_id == template.dataset_id
        stats = emulator.stats()
        assert (stats["dataSets"], stats["mappingSets"], stats["flows"]) == (1, 2, 2)

    def test_hubs_alike_but_unlike_the_first_share_a_dataset_and_mapping_of_their_own(
        self, alice, make_onboarding, emulator
    ):
        onboarding = submitted(make_onboarding("base"), ticked(*HUBS, data_type="raw"))
        template = choices.dataflow_start(onboarding=onboarding, actor=onboarding.owner)
        template = choices.dataflow_preview(dataflow=template, actor=onboarding.owner)
        choice = choices.DatasetChoice(new_name="Orders", schema_id=ORDERS_SCHEMA)
        template = choices.dataflow_choose_dataset(dataflow=template, actor=onboarding.owner, choice=choice)
        alike = json.dumps([dict(event, channel="web") for event in template.sample])  # one field more
        clicks, stock = (onboarding.dataflows.get(event_hub_name=hub) for hub in ("clickstream", "inventory-updates"))
        for dataflow in (clicks, stock):
            choices.dataflow_use_sample(dataflow=dataflow, text=alike)
        found = hubs.hubs_of(onboarding)
        assert [hub.fits for hub in found.others] == [False, False] and found.others[1].leader == clicks
        assert found.others[0].shares_with == 1 and not found.groups and found.to_create == 1
        page = alice.get(reverse("onboarding:hubs", args=[onboarding.public_id])).content.decode()
        assert "The same fields as clickstream: it takes the dataset and mapping of" in page
        choice = choices.DatasetChoice(new_name="Orders by channel", schema_id=ORDERS_SCHEMA)
        clicks = choices.dataflow_choose_dataset(dataflow=clicks, actor=onboarding.owner, choice=choice)
        assert hubs.hubs_of(onboarding).to_create == 3  # orders; clickstream, and inventory-updates with its settings
        assert hubs.hubs_finish(onboarding=onboarding, actor=onboarding.owner) == []
        assert set(onboarding.dataflows.values_list("status", flat=True)) == {Dataflow.Status.CREATED}
        clicks.refresh_from_db()
        stock.refresh_from_db()
        template.refresh_from_db()
        assert stock.dataset_id == clicks.dataset_id != template.dataset_id and stock.mappings == clicks.mappings
        stats = emulator.stats()
        assert (stats["dataSets"], stats["flows"]) == (2, 3)
        hubs.hubs_finish(onboarding=onboarding, actor=onboarding.owner)  # pressed again: nothing new
        assert emulator.stats() == stats

    @pytest.mark.django_db(transaction=True)
    def test_with_a_queue_the_others_wait_for_the_new_dataset_then_follow_by_themselves(
        self, make_onboarding, emulator, task_queue
    ):
        onboarding = submitted(make_onboarding("base"), ticked("orders", "clickstream", data_type="raw"))
        task_queue()  # the source connection of the first hub
        onboarding.refresh_from_db()
        template = choices.dataflow_start(onboarding=onboarding, actor=onboarding.owner)
        template = choices.dataflow_preview(dataflow=template, actor=onboarding.owner)
        choice = choices.DatasetChoice(new_name="Shop orders", schema_id=ORDERS_SCHEMA)
        template = choices.dataflow_choose_dataset(dataflow=template, actor=onboarding.owner, choice=choice)
        choices.dataflow_use_sample(
            dataflow=onboarding.dataflows.get(own_source=True), text=json.dumps(template.sample)
        )
        hubs.hubs_finish(onboarding=onboarding, actor=onboarding.owner)
        waiting = hubs.hubs_of(onboarding)
        assert waiting.waiting_for_dataset and waiting.to_create == 0 and waiting.others[0].waiting
        hubs.hubs_finish(onboarding=onboarding, actor=onboarding.owner)  # pressed again: nothing new
        task_queue()  # the template's task creates the dataset, starts the follower, then its other objects
        assert set(onboarding.dataflows.values_list("status", flat=True)) == {Dataflow.Status.CREATED}
        assert len(set(onboarding.dataflows.values_list("dataset_id", flat=True))) == 1
        assert (emulator.stats()["dataSets"], emulator.stats()["flows"]) == (1, 2)
        follower = onboarding.dataflows.get(own_source=True)
        assert DataflowChange.objects.filter(dataflow=follower, reason__contains="Waits for the new").count() == 1
        assert hubs.hubs_finish(onboarding=onboarding, actor=onboarding.owner) == []
        assert emulator.stats()["flows"] == 2

    @pytest.mark.django_db(transaction=True)
    def test_with_a_queue_a_template_failing_before_its_dataset_keeps_the_others_waiting_until_its_retry(
        self, make_onboarding, emulator, task_queue
    ):
        onboarding = submitted(make_onboarding("base"), ticked("orders", "clickstream", data_type="raw"))
        task_queue()
        onboarding.refresh_from_db()
        template = choices.dataflow_start(onboarding=onboarding, actor=onboarding.owner)
        template = choices.dataflow_preview(dataflow=template, actor=onboarding.owner)
        choice = choices.DatasetChoice(new_name="Shop orders", schema_id=ORDERS_SCHEMA)
        template = choices.dataflow_choose_dataset(dataflow=template, actor=onboarding.owner, choice=choice)
        other = onboarding.dataflows.get(own_source=True)
        choices.dataflow_use_sample(dataflow=other, text=json.dumps(template.sample))
        emulator.fault("/data/foundation/catalog/dataSets", method="POST", status=503)
        hubs.hubs_finish(onboarding=onboarding, actor=onboarding.owner)
        task_queue()
        template.refresh_from_db()
        other.refresh_from_db()
        assert (template.status, other.status) == (Dataflow.Status.FAILED, Dataflow.Status.DRAFT)
        hubs.hub_retry(dataflow=template, actor=onboarding.owner)
        task_queue()
        assert set(onboarding.dataflows.values_list("status", flat=True)) == {Dataflow.Status.CREATED}
        assert (emulator.stats()["dataSets"], emulator.stats()["flows"]) == (1, 2)

    def test_a_lost_answer_is_adopted_by_the_hubs_retry_not_created_again(self, make_onboarding, emulator, make_client):
        dataset_id = existing_dataset(make_client)
        onboarding = submitted(make_onboarding("base"), ticked(*HUBS))
        with_shared_settings(onboarding, dataset_id)
        emulator.fault("/targetConnections", method="POST", status=504, phase="after")  # created; answer lost
        hubs.hubs_finish(onboarding=onboarding, actor=onboarding.owner)
        lost = onboarding.dataflows.get(status=Dataflow.Status.FAILED)
        assert lost.outcome_unknown
        hubs.hub_retry(dataflow=lost, actor=onboarding.owner)
        lost.refresh_from_db()
        assert lost.status == Dataflow.Status.CREATED
        assert DataflowChange.objects.filter(dataflow=lost, reason__contains="Adopted the target connection").exists()
        assert (emulator.stats()["targetConnections"], emulator.stats()["flows"]) == (3, 3)

    def test_a_hub_set_up_on_its_own_keeps_its_choices(self, make_onboarding, emulator, make_client):
        dataset_id = existing_dataset(make_client)
        onboarding = submitted(make_onboarding("base"), ticked(*HUBS))
        with_shared_settings(onboarding, dataset_id)
        own = onboarding.dataflows.get(event_hub_name="clickstream")
        choice = choices.DatasetChoice(new_name="Orders only", schema_id=ORDERS_SCHEMA)
        choices.dataflow_choose_dataset(dataflow=own, actor=onboarding.owner, choice=choice)
        hubs.hubs_finish(onboarding=onboarding, actor=onboarding.owner)
        own.refresh_from_db()
        assert own.status == Dataflow.Status.DRAFT and own.dataset_name == "Orders only"
        assert emulator.stats()["flows"] == 2

    def test_nothing_is_created_before_the_first_hubs_settings_are_chosen(self, make_onboarding, emulator):
        onboarding = submitted(make_onboarding("base"), ticked(*HUBS))
        with pytest.raises(services.OnboardingError):
            hubs.hubs_finish(onboarding=onboarding, actor=onboarding.owner)
        assert emulator.stats()["flows"] == 0


def posted(**groups: str) -> dict[str, str]:
    """The Source step's hubs form with every listed hub ticked (XDM, earliest), groups from aep-{hub}."""
    post = {"hubs-TOTAL_FORMS": "3", "hubs-INITIAL_FORMS": "3", "pattern": "aep-{hub}"}
    for index, hub in enumerate(sorted(HUBS)):
        post |= {
            f"hubs-{index}-event_hub_name": hub,
            f"hubs-{index}-read": "on",
            f"hubs-{index}-consumer_group": groups.get(hub, f"aep-{hub}"),
            f"hubs-{index}-data_type": "xdm",
            f"hubs-{index}-reset": "earliest",
        }
    return post


class TestPages:
    def test_the_source_page_names_the_listed_hubs_and_leaves_their_form_until_asked(self, alice, make_onboarding):
        onboarding = make_onboarding("base")
        page = alice.get(reverse("onboarding:source", args=[onboarding.public_id]))
        html = page.content.decode()
        assert page.status_code == 200 and "hubs_form" not in page.context
        assert "Read several event hubs at once</summary>" in html and "clickstream, inventory-updates, orders" in html
        assert "Read the ticked event hubs" not in html and 'value="aep-orders"' not in html
        asked = reverse("onboarding:source_hubs", args=[onboarding.public_id])
        assert f'hx-get="{asked}" hx-trigger="toggle once"' in html and f'href="{asked}#several-hubs"' in html

    def test_opening_the_disclosure_fetches_each_listed_hub_with_its_consumer_group_filled_in(
        self, alice, make_onboarding
    ):
        onboarding = make_onboarding("base")
        part = alice.get(reverse("onboarding:source_hubs", args=[onboarding.public_id]), headers={"HX-Request": "true"})
        html = part.content.decode()
        assert part.status_code == 200 and html.lstrip().startswith('<div id="several-hubs-form">')
        for hub in HUBS:
            assert f'value="aep-{hub}"' in html
        assert "Read the ticked event hubs" in html and "Choose what to read" not in html

    def test_without_js_its_link_shows_the_source_page_with_the_disclosure_open(self, alice, make_onboarding):
        onboarding = make_onboarding("base")
        page = alice.get(reverse("onboarding:source_hubs", args=[onboarding.public_id]))
        html = page.content.decode()
        assert page.status_code == 200 and "Choose what to read" in html and "Create source connection" in html
        assert '<details class="hubs-pick" id="several-hubs" open>' in html and "Read the ticked event hubs" in html

    def test_once_the_source_is_chosen_the_form_is_no_more_and_it_says_where_things_stand(self, alice, make_onboarding):
        onboarding = make_onboarding("source")
        url = reverse("onboarding:source_hubs", args=[onboarding.public_id])
        done = reverse("onboarding:done", args=[onboarding.public_id])
        assert alice.get(url).url == done
        assert alice.get(url, headers={"HX-Request": "true"}).headers["HX-Redirect"] == done

    def test_a_post_s_errors_are_shown_with_the_disclosure_open(self, alice, make_onboarding):
        onboarding = make_onboarding("base")
        post = {**posted(), "hubs-0-consumer_group": ""}
        page = alice.post(reverse("onboarding:source_hubs", args=[onboarding.public_id]), post)
        html = page.content.decode()
        assert '<details class="hubs-pick" id="several-hubs" open>' in html
        assert "Type the consumer group this event hub is read with." in html

    def test_a_refusal_is_shown_next_to_its_hub(self, alice, make_onboarding):
        make_onboarding("source", name="Orders elsewhere", consumer_group="aep-orders")
        onboarding = make_onboarding("base", name="Mine")
        page = alice.post(reverse("onboarding:source_hubs", args=[onboarding.public_id]), posted())
        assert page.status_code == 200
        assert (
            page.context["hubs_form"].forms[2].errors["consumer_group"][0].startswith("The consumer group aep-orders")
        )
        assert not onboarding.dataflows.exists()

    def test_the_pattern_fills_every_group_in_again_and_keeps_the_ticks(self, alice, make_onboarding):
        onboarding = make_onboarding("base")
        post = posted(orders="aep-orders") | {"pattern": "adobe-{hub}", "fill": "1"}
        post.pop("hubs-0-read")  # clickstream not ticked
        page = alice.post(reverse("onboarding:source_hubs", args=[onboarding.public_id]), post)
        formset = page.context["hubs_form"]
        assert [form.initial["consumer_group"] for form in formset] == [f"adobe-{hub}" for hub in sorted(HUBS)]
        assert [form.initial["read"] for form in formset] == [False, True, True]
        assert not formset.is_bound and onboarding.dataflows.count() == 0  # nothing submitted yet

    def test_the_ticked_hubs_are_submitted_together(self, alice, make_onboarding, emulator):
        onboarding = make_onboarding("base")
        page = alice.post(reverse("onboarding:source_hubs", args=[onboarding.public_id]), posted(orders="aep-o"))
        assert page.status_code == 302 and page.url == reverse("onboarding:done", args=[onboarding.public_id])
        onboarding.refresh_from_db()
        assert (onboarding.event_hub_name, onboarding.status) == ("clickstream", Onboarding.Status.SOURCE_CREATED)
        assert set(onboarding.dataflows.values_list("event_hub_name", "consumer_group")) == {
            ("inventory-updates", "aep-inventory-updates"),
            ("orders", "aep-o"),
        }

    def test_a_hub_not_listed_is_refused(self, alice, make_onboarding):
        onboarding = make_onboarding("base")
        post = {"hubs-TOTAL_FORMS": "1", "hubs-INITIAL_FORMS": "1", "hubs-0-event_hub_name": "secret-hub"}
        post |= {"hubs-0-read": "on", "hubs-0-consumer_group": "g", "hubs-0-data_type": "xdm", "hubs-0-reset": "latest"}
        page = alice.post(reverse("onboarding:source_hubs", args=[onboarding.public_id]), post)
        assert page.status_code == 200 and "not among the ones Adobe found" in page.content.decode()
        onboarding.refresh_from_db()
        assert onboarding.status == Onboarding.Status.BASE_CREATED

    def test_the_hubs_page_reads_each_raw_hubs_events_and_says_which_differ(self, alice, make_onboarding, emulator):
        onboarding = submitted(make_onboarding("base"), ticked("orders", "clickstream", data_type="raw"))
        template = choices.dataflow_start(onboarding=onboarding, actor=onboarding.owner)
        choices.dataflow_preview(dataflow=template, actor=onboarding.owner)
        page = alice.get(reverse("onboarding:hubs", args=[onboarding.public_id]))
        assert page.status_code == 200
        assert "Its events differ from the first hub" in page.content.decode()  # read at once (immediate tasks)
        assert onboarding.dataflows.get(own_source=True).sample

    def test_a_hub_whose_events_cannot_be_read_is_left_to_its_own_pages(self, alice, make_onboarding, emulator):
        onboarding = submitted(make_onboarding("base"), ticked("orders", "clickstream", data_type="raw"))
        emulator.fault("/connections/*/explore", method="GET", status=400, count=5)
        page = alice.get(reverse("onboarding:hubs", args=[onboarding.public_id]))
        assert (
            "Its events could not be read" in page.content.decode() and 'hx-trigger="every' not in page.content.decode()
        )

    def test_another_users_onboarding_is_404_on_every_hubs_url(self, alice, make_onboarding, other_user, emulator):
        onboarding = submitted(make_onboarding("base", owner=other_user), ticked(*HUBS))
        flow = onboarding.dataflows.first()
        pid = onboarding.public_id
        assert alice.get(reverse("onboarding:hubs", args=[pid])).status_code == 404
        assert alice.post(reverse("onboarding:source_hubs", args=[pid]), posted()).status_code == 404
        assert alice.post(reverse("onboarding:hubs_finish", args=[pid])).status_code == 404
        assert alice.post(reverse("onboarding:hub_retry", args=[pid, flow.public_id])).status_code == 404
        assert emulator.stats()["flows"] == 0
