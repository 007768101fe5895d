"""Teams share their onboardings: teammates open them and work on them; everyone else gets a 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings
from django.urls import reverse

from connections.models import Dataflow, FlowServiceCall, Onboarding, StateChange
from connections.services import dataflow as df
from identity.models import Team
from tests import test_security
from tests.conftest import IMMEDIATE_TASKS, account_post
from tests.test_dataflow_services import chosen_raw_dataflow

pytestmark = pytest.mark.django_db
Call = FlowServiceCall.Operation

DATAFLOW_PAGES = ("dataflow_data", "dataflow_dataset", "dataflow_mapping", "dataflow_review", "dataflow_watch")


def team(name: str, *members: Any) -> Group:
    group = Group.objects.create(name=name)
    Team.objects.create(group=group, issuer="https://idp.example", idp_group=name)
    group.user_set.add(*members)
    return group


def shared(onboarding: Onboarding, group: Group) -> Onboarding:
    Onboarding.objects.filter(pk=onboarding.pk).update(team=group)
    onboarding.refresh_from_db()
    return onboarding


def dataflow_url(name: str, dataflow: Dataflow) -> str:
    return reverse(f"onboarding:{name}", args=[dataflow.onboarding.public_id, dataflow.public_id])


@pytest.fixture
def carol(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("carol", password="carol-password")


def test_a_teammate_lists_opens_and_exports_the_teams_onboarding(client, make_onboarding, user, other_user):
    onboarding = shared(make_onboarding("source"), team("payments", user, other_user))
    client.force_login(other_user)
    assert onboarding.name in client.get(reverse("onboarding:list")).content.decode()
    for url in test_security.TestAccess().urls(onboarding):
        assert client.get(url).status_code in (200, 302), url


@pytest.mark.django_db(transaction=True)  # the real queue's worker runs in its own transactions
def test_a_teammate_pauses_the_dataflow_and_the_history_names_them(
    client, make_onboarding, user, other_user, task_queue
):
    with override_settings(TASKS=IMMEDIATE_TASKS):  # set-up, not under test
        dataflow = df.dataflow_finish(dataflow=chosen_raw_dataflow(make_onboarding), actor=user)
    shared(dataflow.onboarding, team("payments", user, other_user))
    client.force_login(other_user)
    client.get(dataflow_url("dataflow_watch", dataflow))
    task_queue()
    response = client.post(dataflow_url("dataflow_state", dataflow), {"pause": "1"})
    task_queue()
    page = client.get(response["Location"], follow=True).content.decode()
    assert 'id="flow-state">Paused<' in page
    paused = FlowServiceCall.objects.get(operation=Call.DISABLE_FLOW)
    assert paused.actor == other_user


def test_a_teammate_archives_and_the_history_names_them(client, make_onboarding, user, other_user):
    onboarding = shared(make_onboarding("source"), team("payments", user, other_user))
    client.force_login(other_user)
    client.post(reverse("onboarding:archive", args=[onboarding.public_id]))
    onboarding.refresh_from_db()
    assert onboarding.archived_at is not None
    assert StateChange.objects.filter(onboarding=onboarding).latest("pk").actor == other_user


def test_another_team_gets_404_on_every_url(client, make_onboarding, user, other_user, carol):
    dataflow = chosen_raw_dataflow(make_onboarding)
    onboarding = shared(dataflow.onboarding, team("payments", user, other_user))
    team("marketing", carol)
    client.force_login(carol)
    assert onboarding.name not in client.get(reverse("onboarding:list")).content.decode()
    for url in test_security.TestAccess().urls(onboarding):
        assert client.get(url).status_code == 404, url
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 404, url
    for name in ("retry", "test", "reload", "credentials", "source", "account", "archive"):
        assert client.post(reverse(f"onboarding:{name}", args=[onboarding.public_id])).status_code == 404, name
    for name in DATAFLOW_PAGES:
        assert client.get(dataflow_url(name, dataflow)).status_code == 404, name
    assert client.post(dataflow_url("dataflow_state", dataflow), {"pause": "1"}).status_code == 404


def test_leaving_the_team_removes_access(client, make_onboarding, user, other_user):
    payments = team("payments", user, other_user)
    onboarding = shared(make_onboarding("source"), payments)
    client.force_login(other_user)
    assert client.get(reverse("onboarding:detail", args=[onboarding.public_id])).status_code in (200, 302)
    payments.user_set.remove(other_user)  # what the next sign-in does when the claim no longer names the group
    assert client.get(reverse("onboarding:detail", args=[onboarding.public_id])).status_code == 404
    assert onboarding.name not in client.get(reverse("onboarding:list")).content.decode()


def test_a_new_onboarding_belongs_to_the_only_team_preselected(client, user):
    payments = team("payments", user)
    client.force_login(user)
    page = client.get(reverse("onboarding:new")).content.decode()
    assert "None: only me" in page and f'value="{payments.pk}" selected' in page
    with override_settings(TASKS=IMMEDIATE_TASKS):
        client.post(reverse("onboarding:new"), account_post(team=str(payments.pk)))
    assert Onboarding.objects.get().team == payments


def test_someone_without_a_team_is_not_asked_and_keeps_it_personal(client, user, other_user):
    team("marketing", other_user)
    client.force_login(user)
    assert "None: only me" not in client.get(reverse("onboarding:new")).content.decode()
    with override_settings(TASKS=IMMEDIATE_TASKS):
        client.post(reverse("onboarding:new"), account_post(team="1"))
    assert Onboarding.objects.get().team is None


def test_a_team_not_ones_own_is_refused(client, user, other_user):
    team("payments", user)
    marketing = team("marketing", other_user)
    client.force_login(user)
    response = client.post(reverse("onboarding:new"), account_post(team=str(marketing.pk)))
    assert "Select a valid choice" in response.content.decode()
    assert not Onboarding.objects.exists()


def test_a_teammate_retries_the_owners_failed_step_and_the_history_names_them(
    client, make_onboarding, user, other_user, emulator
):
    emulator.fault("/connections", method="POST", status=503)
    onboarding = shared(make_onboarding("base"), team("payments", user, other_user))
    assert onboarding.status == Onboarding.Status.BASE_FAILED
    client.force_login(other_user)
    client.post(reverse("onboarding:retry", args=[onboarding.public_id]))
    onboarding.refresh_from_db()
    assert onboarding.status == Onboarding.Status.BASE_CREATED
    retried = StateChange.objects.get(onboarding=onboarding, to_status=Onboarding.Status.BASE_CREATED)
    assert retried.actor == other_user
    assert StateChange.objects.get(onboarding=onboarding, to_status=Onboarding.Status.DRAFT).actor == user


def test_a_teammate_adds_a_dataflow(client, make_onboarding, user, other_user):
    onboarding = shared(make_onboarding("source"), team("payments", user, other_user))
    client.force_login(other_user)
    client.post(reverse("onboarding:dataflow_new", args=[onboarding.public_id]))
    assert Dataflow.objects.get().onboarding == onboarding
