"""What each wizard page asks the database: the session and the user (as any logged-in page), then one query
for the onboarding and whether it has requests to Adobe and dataflows to list; those only when it has some."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from connections.models import Onboarding, RemoteAction
from connections.services.dataflow_choices import dataflow_start

pytestmark = pytest.mark.django_db
SESSION_AND_USER = 2


def queries(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured), response.content.decode()


def test_my_onboardings_and_the_new_account_page(alice, make_onboarding):
    """However many rows, and whatever step each is on, the list is one query: no row reads more."""
    names = ["Drafted", "At source", "Finished", "Scoped"]
    make_onboarding("draft", name=names[0]), make_onboarding("base", name=names[1])
    make_onboarding("source", name=names[2]), make_onboarding("base", auth_type="sas", name=names[3])
    count, page = queries(alice, "/onboardings/")
    assert count == SESSION_AND_USER + 1 and all(f">{name}</a>" in page for name in names)
    queries(alice, "/onboardings/new/")  # the first view reads Adobe's list of sandboxes in the background
    # Then: the list of sandboxes as last read, and the person's teams.
    assert queries(alice, "/onboardings/new/")[0] == SESSION_AND_USER + 2


def test_a_step_in_progress(alice, make_onboarding):
    onboarding = make_onboarding("draft")
    Onboarding.objects.filter(pk=onboarding.pk).update(status=Onboarding.Status.CREATING_BASE)
    count, page = queries(alice, f"/onboardings/{onboarding.public_id}/account/")
    assert count == SESSION_AND_USER + 1 and "This page moves on by itself" in page


def test_source_and_done_without_requests_or_dataflows_ask_once(alice, make_onboarding):
    at_source, finished = make_onboarding("base"), make_onboarding("source")
    count, page = queries(alice, f"/onboardings/{at_source.public_id}/source/")
    assert count == SESSION_AND_USER + 1 and "Choose what to read" in page and "Recent requests" not in page
    count, page = queries(alice, f"/onboardings/{finished.public_id}/done/")
    assert count == SESSION_AND_USER + 1 and "Set up the dataflow" in page and "Recent requests" not in page


def test_source_leaves_the_several_hubs_form_until_it_is_opened_which_asks_once_too(alice, make_onboarding):
    onboarding = make_onboarding("base")
    count, page = queries(alice, f"/onboardings/{onboarding.public_id}/source/")
    assert count == SESSION_AND_USER + 1 and "Read several event hubs at once" in page and "Read orders" not in page
    with CaptureQueriesContext(connection) as captured:
        opened = alice.get(f"/onboardings/{onboarding.public_id}/source/hubs/", headers={"HX-Request": "true"})
    assert len(captured) == SESSION_AND_USER + 1 and "Read orders" in opened.content.decode()


def test_done_lists_the_requests_to_adobe_and_the_dataflows_it_has(alice, make_onboarding):
    onboarding = make_onboarding("source")
    RemoteAction.objects.create(onboarding=onboarding, kind="test", state=RemoteAction.State.DONE, result={})
    dataflow = dataflow_start(onboarding=onboarding, actor=onboarding.owner)
    count, page = queries(alice, f"/onboardings/{onboarding.public_id}/done/")
    assert count == SESSION_AND_USER + 3
    assert "Recent requests to Adobe" in page and "Testing the connection</strong>: done" in page
    assert f"/dataflows/{dataflow.public_id}/" in page and "Set up the dataflow" not in page


def test_a_dataflow_s_own_request_is_not_the_account_s(alice, make_onboarding):
    onboarding = make_onboarding("source")
    dataflow = dataflow_start(onboarding=onboarding, actor=onboarding.owner)
    RemoteAction.objects.create(onboarding=onboarding, dataflow=dataflow, kind="preview", state="done", result={})
    count, page = queries(alice, f"/onboardings/{onboarding.public_id}/source/")
    assert count == SESSION_AND_USER + 1 and "Recent requests" not in page


def test_a_step_in_flight_does_not_read_the_requests_its_progress_hides(alice, make_onboarding):
    """While the source connection is being created the progress takes the tools' place: their list of
    requests to Adobe is not read (the Source post that starts the create renders this too)."""
    onboarding = make_onboarding("base")
    RemoteAction.objects.create(onboarding=onboarding, kind="test", state=RemoteAction.State.DONE, result={})
    Onboarding.objects.filter(pk=onboarding.pk).update(status=Onboarding.Status.CREATING_SOURCE)
    count, page = queries(alice, f"/onboardings/{onboarding.public_id}/source/")
    assert count == SESSION_AND_USER + 1 and "This page moves on by itself" in page and "Recent requests" not in page


def test_a_progress_poll_reads_the_onboarding_alone_until_the_step_s_page_is_shown(alice, make_onboarding):
    """Polled ten times a second at first: while the work goes on, nothing of what the next page lists is read."""
    onboarding = make_onboarding("base")
    busy = {"status": Onboarding.Status.CREATING_SOURCE, "step_started_at": timezone.now()}
    Onboarding.objects.filter(pk=onboarding.pk).update(**busy)
    url = f"/onboardings/{onboarding.public_id}/status/"
    with CaptureQueriesContext(connection) as captured:
        assert alice.get(url).status_code == 204  # nothing to swap (htmx's poll: unless its interval changed)
    read = captured.captured_queries[-1]["sql"]
    assert len(captured) == SESSION_AND_USER + 1 and "remoteaction" not in read and "dataflow" not in read
    Onboarding.objects.filter(pk=onboarding.pk).update(status=Onboarding.Status.BASE_CREATED)
    with CaptureQueriesContext(connection) as captured:
        page = alice.get(url, headers={"HX-Request": "true"}).content.decode()
    assert len(captured) == SESSION_AND_USER + 2 and "Choose what to read" in page  # then the page's own read
