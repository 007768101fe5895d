"""Admin pieces that cost the same on a thousand rows as on a million (connections/admin/readonly.py)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from connections.admin.readonly import CappedCountPaginator
from connections.models import Onboarding

pytestmark = pytest.mark.django_db


class TestCappedCountPaginator:
    def test_counts_one_past_the_cap_at_most(self):
        call_command("seed_demo_history", onboardings=30, calls_per_onboarding=1, verbosity=0)
        rows = Onboarding.objects.order_by("-created_at", "-id")
        capped, whole = CappedCountPaginator(rows, 5, cap=10), CappedCountPaginator(rows, 5, cap=100)
        assert (capped.count, capped.capped) == (11, True)
        assert (whole.count, whole.capped) == (30, False)

    def test_counts_what_the_list_shows(self):
        call_command("seed_demo_history", onboardings=30, calls_per_onboarding=1, owners=3, verbosity=0)
        rows = Onboarding.objects.filter(owner__username="demo-owner-01").select_related("owner").distinct()
        assert CappedCountPaginator(rows.order_by("name"), 5, cap=100).count == rows.count() > 0

    def test_the_list_says_more_than_the_cap_and_follows_the_page(self, admin_client):
        call_command("seed_demo_history", onboardings=200, calls_per_onboarding=1, verbosity=0)
        url = reverse("admin:connections_onboarding_changelist")
        assert "more than 150 onboardings" in admin_client.get(url).content.decode()
        assert "more than 175 onboardings" in admin_client.get(url, {"p": 2}).content.decode()
        assert "200 onboardings" in admin_client.get(url, {"p": 4}).content.decode()
