"""The Account step offers Adobe's sandboxes (read in the background) as a choice, and asks for a name while it
cannot: before the list is read, or when Adobe refuses it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from connections.models import Onboarding
from tests.conftest import account_post

pytestmark = pytest.mark.django_db


def test_the_sandboxes_adobe_lists_are_offered_with_production_marked(alice):
    page = alice.get(reverse("onboarding:new")).content.decode()
    assert '<select name="sandbox_name"' in page
    assert "Production (prod), production</option>" in page and "Dev (dev)</option>" in page
    alice.post(reverse("onboarding:new"), account_post(sandbox_name="dev"))
    assert Onboarding.objects.get().sandbox_name == "dev"


def test_a_sandbox_adobe_does_not_list_is_refused(alice):
    alice.get(reverse("onboarding:new"))
    response = alice.post(reverse("onboarding:new"), account_post(sandbox_name="qa"))
    assert "Select a valid choice. qa is not one of the available choices." in response.content.decode()
    assert not Onboarding.objects.exists()


def test_a_refused_list_leaves_the_name_to_type_and_says_why(alice, emulator):
    emulator.fault("/data/foundation/sandbox-management/", method="GET", status=403)
    page = alice.get(reverse("onboarding:new")).content.decode()
    assert '<select name="sandbox_name"' not in page and 'name="sandbox_name"' in page
    assert "Adobe&#x27;s list of sandboxes could not be read" in page


@pytest.mark.django_db(transaction=True)
def test_the_name_is_typed_while_the_list_is_being_read(alice, task_queue):
    page = alice.get(reverse("onboarding:new")).content.decode()
    assert "Adobe&#x27;s list of sandboxes is being read" in page
    task_queue()
    assert '<select name="sandbox_name"' in alice.get(reverse("onboarding:new")).content.decode()
