"""The auth-type registry: every auth type declares all the app needs, and everything reads it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from connections.auth_types import FIELDS, SECRET_FIELDS, SPECS, AuthType
from connections.models import Onboarding
from onboarding.forms.wizard import AccountForm

from .conftest import account_post

AUTH_TYPES = list(AuthType)


def test_every_auth_type_is_declared_once_with_everything():
    assert set(SPECS) == set(AuthType)
    for auth in AUTH_TYPES:
        assert str(auth.label) and str(auth.when), auth  # its tab and the tab's help
        assert all(name in FIELDS for name in auth.field_names), auth
        assert [f.name for f in auth.fields if f.secret] == [auth.secret.name], "exactly one secret"
        assert str(auth.secret.noun), auth
        assert auth.lists_event_hubs == (not auth.is_scoped)
        if auth.lists_event_hubs:
            assert str(auth.spec.empty_listing), auth


def test_every_credential_field_is_a_model_field_and_a_form_field():
    model_fields = {field.name for field in Onboarding._meta.get_fields()}
    form_fields = set(AccountForm.base_fields)
    for name in FIELDS:
        assert name in model_fields and name in form_fields, name
    assert {"sas_key", "client_secret_value"} == SECRET_FIELDS


@pytest.mark.parametrize("auth", AUTH_TYPES)
def test_every_auth_type_builds_the_payload_the_served_connection_spec_asks_for(auth, make_client):
    """The spec name is one Adobe's connection spec (as the emulator serves it) knows, with the same params."""
    served = {entry["name"]: entry["spec"] for entry in make_client().get_connection_spec()["authSpec"]}
    values = {name: f"value-of-{name}" for name in auth.field_names}
    payload = auth.client_auth(values)
    assert auth.spec_name == payload.SPEC_NAME and auth.spec_name in served
    spec = served[auth.spec_name]
    assert set(spec.get("required", [])) <= set(payload.params()) <= set(spec["properties"])
    secret_params = {k for k, v in spec["properties"].items() if v.get("format") == "password"}
    assert {k for k, v in payload.params().items() if v == values[auth.secret.name]} == secret_params


@pytest.mark.django_db
@pytest.mark.parametrize("auth", AUTH_TYPES)
def test_every_auth_type_has_a_tab_that_shows_its_fields(auth, client: Client, user):
    client.force_login(user)
    page = client.get(reverse("onboarding:auth_fields"), {"switch_auth": auth.value}).content.decode()
    assert f'id="tab-{auth.value}"' in page and str(auth.when) in page
    for name in FIELDS:
        shown = f'name="{name}"' in page.split('class="parked"')[0]
        assert shown == (name in auth.field_names), (auth, name)


@pytest.mark.django_db
@pytest.mark.parametrize("auth", AUTH_TYPES)
def test_every_auth_type_goes_through_the_wizard(auth, make_onboarding):
    onboarding = make_onboarding(until="base", auth_type=auth.value)
    assert onboarding.status == Onboarding.Status.BASE_CREATED
    assert auth.spec_name == onboarding.client_auth().SPEC_NAME
    assert all(getattr(onboarding, name) for name in auth.field_names)
    assert not any(getattr(onboarding, name) for name in FIELDS if name not in auth.field_names)


def test_account_post_knows_every_auth_type():
    for auth in AUTH_TYPES:
        data = account_post(auth.value)
        assert all(data.get(name) for name in auth.field_names), auth
