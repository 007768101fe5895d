"""Credentials are encrypted at rest with MultiFernet; nothing decrypts to ciphertext."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import connection

from connections import encryption
from connections.encryption import DecryptionError, EncryptedTextField
from connections.keys import KeyConfigurationError, parse_keys
from connections.models import Onboarding
from tests.conftest import DEMO_MANAGE_KEY

NEW_KEY = Fernet.generate_key().decode()


def raw_columns(pk: int) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT namespace, sas_key_name, sas_key FROM connections_onboarding WHERE id = %s", [pk])
        namespace, key_name, key = cursor.fetchone()
    return {"namespace": namespace, "sas_key_name": key_name, "sas_key": key}


@pytest.mark.django_db
class TestEncryptedField:
    def test_round_trip(self, make_onboarding):
        onboarding = make_onboarding("draft")
        fresh = Onboarding.objects.get(pk=onboarding.pk)
        assert fresh.sas_key == DEMO_MANAGE_KEY
        assert fresh.namespace == "contoso-events"

    def test_raw_column_holds_no_plaintext(self, make_onboarding):
        onboarding = make_onboarding("draft")
        raw = raw_columns(onboarding.pk)
        assert all(value.startswith("enc:fernet:") for value in raw.values())
        assert DEMO_MANAGE_KEY not in str(raw)
        assert "contoso-events" not in str(raw)

    def test_lookups_are_refused(self):
        with pytest.raises(FieldError):
            Onboarding.objects.filter(sas_key=DEMO_MANAGE_KEY).exists()
        with pytest.raises(FieldError):
            Onboarding.objects.filter(namespace__icontains="contoso").exists()

    def test_isnull_is_allowed(self):
        assert not Onboarding.objects.filter(sas_key__isnull=True).exists()

    @pytest.mark.parametrize("option", ["primary_key", "unique", "db_index"])
    def test_indexes_and_uniqueness_are_refused(self, option):
        with pytest.raises(ImproperlyConfigured):
            EncryptedTextField(**{option: True})

    def test_undecryptable_value_raises_instead_of_returning_ciphertext(self, make_onboarding):
        onboarding = make_onboarding("draft")
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE connections_onboarding SET sas_key = %s WHERE id = %s",
                ["enc:fernet:" + encryption.primary_key_id() + ":gAAAAABnot-a-token", onboarding.pk],
            )
        value = Onboarding.objects.get(pk=onboarding.pk).sas_key
        assert value == "unreadable (corrupted)" and "gAAAA" not in value
        with pytest.raises(DecryptionError, match="corrupted"):
            encryption.decrypt(value.stored)

    def test_value_under_a_removed_key_names_the_problem_not_the_key(self, make_onboarding, settings):
        onboarding = make_onboarding("draft")
        old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
        settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
        value = Onboarding.objects.get(pk=onboarding.pk).sas_key
        assert value == "unreadable (key removed)"
        with pytest.raises(DecryptionError) as caught:
            encryption.decrypt(value.stored)
        message = str(caught.value)
        assert "no longer in FIELD_ENCRYPTION_KEYS" in message
        assert NEW_KEY not in message and all(key not in message for key in old_keys)

    def test_first_key_encrypts_and_all_keys_decrypt(self, make_onboarding, settings):
        onboarding = make_onboarding("draft")
        settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, *settings.FIELD_ENCRYPTION_KEYS]
        assert Onboarding.objects.get(pk=onboarding.pk).sas_key == DEMO_MANAGE_KEY
        assert encryption.encrypt("x").split(":")[2] == encryption.primary_key_id()


class TestKeySetting:
    def test_missing_keys_are_explained(self):
        with pytest.raises(KeyConfigurationError, match="FIELD_ENCRYPTION_KEYS is not set"):
            parse_keys("")

    def test_malformed_key_is_explained_without_echoing_it(self):
        with pytest.raises(KeyConfigurationError) as caught:
            parse_keys(f"{NEW_KEY},not-a-key")
        assert "key number 2 is not a Fernet key" in str(caught.value)
        assert "not-a-key" not in str(caught.value)

    def test_keys_are_ordered(self):
        other = Fernet.generate_key().decode()
        assert parse_keys(f" {NEW_KEY} , {other} ") == [NEW_KEY, other]

    def test_start_up_stops_with_a_clear_message(self):
        import os
        import subprocess
        import sys

        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "onboarding.settings",
            "READ_DOT_ENV": "false",
            "SECRET_KEY": "x" * 50,
            "FIELD_ENCRYPTION_KEYS": "broken",
            "DEBUG": "true",
        }
        result = subprocess.run([sys.executable, "manage.py", "check"], env=env, capture_output=True, text=True)
        assert result.returncode != 0
        assert "FIELD_ENCRYPTION_KEYS: key number 1 is not a Fernet key" in result.stderr
