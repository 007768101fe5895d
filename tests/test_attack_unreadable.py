"""One value under a removed encryption key degrades to a label; it never takes a page down."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from connections.models import Onboarding
from tests.conftest import DEMO_MANAGE_KEY

LABEL = b"unreadable (key removed)"


@pytest.fixture
def key_removed(make_onboarding, settings, admin_user):
    """Alice's and the admin's onboardings, then the key they were encrypted with is removed."""
    old = list(settings.FIELD_ENCRYPTION_KEYS)
    make_onboarding("source")
    make_onboarding("draft", owner=admin_user, name="Admin's own")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    return old


@pytest.mark.django_db
class TestRemovedKey:
    def test_the_owners_list_stays_up(self, key_removed, client, user):
        client.force_login(user)
        response = client.get(reverse("onboarding:list"))
        assert response.status_code == 200 and b"Orders stream" in response.content

    def test_the_whole_admin_list_and_the_change_page_stay_up(self, key_removed, admin_user):
        client = Client(raise_request_exception=False)
        client.force_login(admin_user)
        listing = client.get(reverse("admin:connections_onboarding_changelist"))
        assert listing.status_code == 200 and b"Admin&#x27;s own" in listing.content
        onboarding = Onboarding.objects.get(name="Orders stream")
        page = client.get(reverse("admin:connections_onboarding_change", args=[onboarding.pk]))
        assert page.status_code == 200 and LABEL in page.content

    def test_saving_the_row_keeps_the_value_for_when_the_key_comes_back(self, key_removed, settings):
        onboarding = Onboarding.objects.get(name="Orders stream")
        assert onboarding.sas_key == "unreadable (key removed)"
        onboarding.description = "changed while the key was away"
        onboarding.save()
        settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *key_removed]
        assert Onboarding.objects.get(pk=onboarding.pk).sas_key == DEMO_MANAGE_KEY

    def test_the_system_check_counts_values_no_key_can_read(self, key_removed, capsys):
        call_command("check", "--database", "default")
        err = capsys.readouterr().err
        assert "connections.W005" in err and "6 stored values in onboardings" in err

    def test_rotate_check_counts_them_before_a_key_is_removed(self, key_removed, settings, capsys):
        with pytest.raises(CommandError, match="6 values cannot be read"):
            call_command("rotate_encryption_keys", "--check")
        assert "6 no configured key can read" in capsys.readouterr().out
        settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *key_removed]
        call_command("rotate_encryption_keys", "--check")
        assert "6 under an older key, 0 no configured key can read" in capsys.readouterr().out
