"""Fuzzing every form field of every step, and the connection-string helper (hypothesis).

No input yields a 5xx; every rejection is a message attached to a field; rejected input writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import transaction
from django.forms.forms import NON_FIELD_ERRORS
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connections.models import FlowServiceCall, Onboarding, StateChange
from tests.conftest import DEMO_MANAGE_KEY, account_post, source_post

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
TRICKY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\t\n",
        "$Default",
        "$default",
        "Endpoint=sb://",
        "Endpoint=sb://x;SharedAccessKey==",
        "a" * 5000,
        "contoso-events",
        "🙂",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "../../etc/passwd",
        "contoso-events.servicebus.windows.net",
        "sb://",
        "https://",
        "00000000-0000-0000-0000-000000000000",
        DEMO_MANAGE_KEY,
        DEMO_MANAGE_KEY[:-1],
        "=" * 44,
        "standard",
        "aad",
        "prod",
        "Prod",
        "\u200bprod",
    ]
)
# Near misses in the shapes users paste: hosts, URLs, connection strings, GUIDs.
SHAPED = st.one_of(
    st.builds("sb://{}.servicebus.windows.net/{}".format, st.text(max_size=20), st.text(max_size=10)),
    st.builds("https://{}:443/{}?{}".format, st.text(max_size=20), st.text(max_size=10), st.text(max_size=10)),
    st.builds(
        "Endpoint=sb://{}/;SharedAccessKeyName={};SharedAccessKey={}{}".format,
        st.text(max_size=20),
        st.text(max_size=10),
        st.text(max_size=44),
        st.sampled_from(["", ";EntityPath=orders", ";EntityPath="]),
    ),
    st.uuids().map(str).map(lambda u: u[: len(u) - 1]),
    st.binary(min_size=28, max_size=36).map(lambda b: __import__("base64").b64encode(b).decode()),
)
TEXT = st.one_of(TRICKY, SHAPED, st.text(max_size=80), st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
ACCOUNT_FIELDS = [
    "name",
    "description",
    "sandbox_name",
    "auth_type",
    "connection_string",
    "namespace",
    "sas_key_name",
    "sas_key",
    "auth_event_hub_name",
    "tenant_id",
    "client_id",
    "client_secret_value",
    "creation_token",
]
SOURCE_FIELDS = ["event_hub_name", "data_type", "reset", "consumer_group"]
CREDENTIAL_FIELDS = ["connection_string", "namespace", "sas_key_name", "sas_key", "auth_type"]


def written() -> tuple[int, int, int, list[tuple[str, str, str]]]:
    rows = list(Onboarding.objects.values_list("status", "event_hub_name", "consumer_group"))
    return Onboarding.objects.count(), FlowServiceCall.objects.count(), StateChange.objects.count(), rows


@contextmanager
def rolled_back() -> Iterator[None]:
    """Each example leaves the database as it found it."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def assert_rejection_is_on_fields(response, before) -> None:
    form = response.context["form"]
    assert form.errors, "a form shown again says why"
    assert NON_FIELD_ERRORS not in form.errors
    assert written() == before


@FUZZ
@given(
    auth=st.sampled_from(["standard", "sas", "aad", "scoped_aad"]),
    fields=st.dictionaries(st.sampled_from(ACCOUNT_FIELDS), TEXT, min_size=1, max_size=4),
)
def test_account_step(alice, auth, fields):
    with rolled_back():
        alice.get(reverse("onboarding:new"))  # Adobe's list of sandboxes is read (and recorded) when first shown
        before = written()
        response = alice.post(reverse("onboarding:new"), {**account_post(auth), **fields})
        assert response.status_code < 500
        if response.status_code == 200:
            assert_rejection_is_on_fields(response, before)


@pytest.fixture
def base_created(make_onboarding) -> Onboarding:
    return make_onboarding("base")


@FUZZ
@given(fields=st.dictionaries(st.sampled_from(SOURCE_FIELDS), TEXT, min_size=1, max_size=4))
def test_source_step(alice, base_created, fields):
    with rolled_back():
        before = written()
        response = alice.post(reverse("onboarding:source", args=[base_created.public_id]), {**source_post(), **fields})
        assert response.status_code < 500
        if response.status_code == 200:
            assert_rejection_is_on_fields(response, before)


@FUZZ
@given(text=TEXT, fields=st.dictionaries(st.sampled_from(ACCOUNT_FIELDS), TEXT, max_size=3))
def test_connection_string_helper(alice, text, fields):
    before = written()
    response = alice.post(
        reverse("onboarding:parse_connection_string"),
        {**fields, "connection_string": text},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) <= {"connection_string"}
    assert written() == before


@FUZZ
@given(fields=st.dictionaries(st.sampled_from(CREDENTIAL_FIELDS), TEXT, min_size=1, max_size=3))
def test_replace_credentials(alice, base_created, fields):
    with rolled_back():
        before = written()
        data = {"namespace": "contoso-events", "sas_key_name": "RootManageSharedAccessKey", "sas_key": "", **fields}
        response = alice.post(reverse("onboarding:credentials", args=[base_created.public_id]), data)
        assert response.status_code < 500
        form = response.context["form"] if response.status_code == 200 else None
        if form is not None and form.errors:
            assert NON_FIELD_ERRORS not in form.errors
            assert written() == before


@FUZZ
@given(tab=TEXT, onboarding=TEXT)
def test_tab_switch(alice, tab, onboarding):
    response = alice.get(
        reverse("onboarding:auth_fields"),
        {"switch_auth": tab, "onboarding": onboarding},
        headers={"HX-Request": "true"},
    )
    assert response.status_code in (200, 404)
