"""Remote actions in the admin: auditors see each one (the migration grants it), never what its task needed."""

from __future__ import annotations

import pytest

from connections.services import actions

from .test_actions import remember_the_payload

pytestmark = pytest.mark.django_db


def test_auditors_see_every_action_but_never_its_payload(client, django_user_model, make_onboarding, user, task_queue):
    from django.contrib.auth.models import Group

    onboarding = make_onboarding("base")
    action = actions.start(
        "tests: remember the payload", remember_the_payload, onboarding=onboarding, actor=user, payload={"k": "SeCrEt"}
    )
    assert action.payload  # still waiting for its worker: the payload is stored (encrypted)
    auditor = django_user_model.objects.create_user("audrey", password="x", is_staff=True)
    auditor.groups.add(Group.objects.get(name="Auditors"))
    client.force_login(auditor)

    listed = client.get("/admin/connections/remoteaction/").content.decode()
    assert "tests: remember the payload" in listed and onboarding.name in listed
    detail = client.get(f"/admin/connections/remoteaction/{action.pk}/change/")
    shown = detail.content.decode()
    assert detail.status_code == 200 and "SeCrEt" not in shown and "enc:" not in shown
    assert client.post(f"/admin/connections/remoteaction/{action.pk}/change/", {"state": "done"}).status_code == 403
    assert client.get(f"/admin/connections/remoteaction/{action.pk}/delete/").status_code == 403
