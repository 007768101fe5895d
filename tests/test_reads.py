"""The pages' two reads are written as SQL: each must return what its queryset returns, on the same rows."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.management import call_command
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from connections.auth_types import SECRET_FIELDS
from connections.encryption import EncryptedTextField
from connections.models import Onboarding, RemoteAction
from connections.services.dataflow_choices import dataflow_start
from onboarding import listing, reads

pytestmark = pytest.mark.django_db
ENCRYPTED = {field.attname for field in Onboarding._meta.concrete_fields if isinstance(field, EncryptedTextField)}


def _values(onboarding: Onboarding, names: tuple[str, ...]) -> dict[str, object]:
    return {name: getattr(onboarding, name) for name in names}


@pytest.fixture
def owners(django_user_model):
    call_command("seed_demo_history", onboardings=60, calls_per_onboarding=1, owners=2, verbosity=0)
    first, second = django_user_model.objects.filter(username__startswith="demo-owner-").order_by("username")
    mine = Onboarding.objects.filter(owner=first)
    # Two created at the same moment (ordered by id then), and some archived (never listed).
    same = timezone.now() - datetime.timedelta(days=3)
    Onboarding.objects.filter(pk__in=list(mine.values_list("pk", flat=True)[:2])).update(created_at=same)
    Onboarding.objects.filter(pk__in=list(mine.values_list("pk", flat=True)[5:9])).update(archived_at=same)
    return first, second


def test_a_page_of_the_list_is_the_querysets(owners):
    first, _ = owners
    queryset = Onboarding.objects.owned_by(first).listed().newest_first().only(*listing.COLUMNS)
    total = queryset.count()
    assert total > 21
    for start, stop in ((0, 21), (20, 41), (total - 3, total + 18), (total + 5, total + 26)):
        written, expected = reads.listed(first, start=start, stop=stop), list(queryset[start:stop])
        assert [o.pk for o in written] == [o.pk for o in expected]
        for got, want in zip(written, expected, strict=True):
            assert _values(got, listing.COLUMNS) == _values(want, listing.COLUMNS)
            assert got.get_deferred_fields() == want.get_deferred_fields()  # the credentials stay encrypted


def test_the_page_s_onboarding_is_the_owner_s_with_all_its_fields_but_the_secret(owners):
    first, second = owners
    names = tuple(field.attname for field in Onboarding._meta.concrete_fields)
    shown = tuple(name for name in names if name not in SECRET_FIELDS)
    for onboarding in Onboarding.objects.filter(owner=first)[:10]:
        got = reads.page_onboarding(first, onboarding.public_id)
        assert got.get_deferred_fields() == ENCRYPTED  # not decrypted yet (the secret not even read)
        with CaptureQueriesContext(connection) as queries:
            assert _values(got, shown) == _values(onboarding, shown)  # each decrypted when first read
        assert not queries.captured_queries and got.get_deferred_fields() == SECRET_FIELDS
        assert _values(got, names) == _values(onboarding, names)  # the secret read from the database if asked
        with pytest.raises(Http404):
            reads.page_onboarding(second, onboarding.public_id)  # another user's: as if it did not exist
    with pytest.raises(Http404):
        reads.page_onboarding(first, uuid.uuid4())


def test_a_sealed_credential_read_again_from_the_database_is_the_new_one(owners):
    first, _ = owners
    onboarding = Onboarding.objects.filter(owner=first).first()
    assert onboarding is not None and onboarding.namespace
    got = reads.page_onboarding(first, onboarding.public_id)
    onboarding.namespace = "renamed-namespace"
    onboarding.save(update_fields=["namespace"])
    got.refresh_from_db()  # as Django documents it: deferred fields are loaded afresh when next read
    assert got.namespace == "renamed-namespace"
    again = reads.page_onboarding(first, onboarding.public_id)
    again.refresh_from_db(fields=["name"])  # another field read again: the sealed ones stay as read
    with CaptureQueriesContext(connection) as queries:
        assert again.namespace == "renamed-namespace"
    assert not queries.captured_queries


def test_the_page_s_onboarding_says_whether_it_has_requests_and_dataflows(owners):
    first, _ = owners
    onboarding = Onboarding.objects.filter(owner=first, status=Onboarding.Status.SOURCE_CREATED).first()
    assert onboarding is not None

    def flags() -> tuple[bool, bool]:
        got = reads.page_onboarding(first, onboarding.public_id)
        return bool(got.has_actions), bool(got.has_dataflows)  # type: ignore[attr-defined]

    assert flags() == (False, False)
    dataflow = dataflow_start(onboarding=onboarding, actor=first)
    RemoteAction.objects.create(onboarding=onboarding, dataflow=dataflow, kind="preview", state="done")
    assert flags() == (False, True)  # a dataflow's own request is not the account's
    RemoteAction.objects.create(onboarding=onboarding, kind="test", state="done")
    assert flags() == (True, True)
