"""My onboardings' rows are written in Python: the markup must be exactly the row template's, the dates the
date filter's."""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Any

import pytest
from django.template.defaultfilters import date as date_filter
from django.template.loader import render_to_string
from django.utils import timezone

from connections.models import Onboarding
from onboarding import listing, reads
from onboarding.markup import KeptMarkup

HOSTILE = "\"><script>alert(1)</script> & 'x'"
Status = Onboarding.Status
MOMENT = datetime.datetime(2026, 3, 4, 5, 6, 7, 890, tzinfo=datetime.UTC)


def _onboardings() -> list[Onboarding]:
    passed = {"accepted": True, "checks": []}
    failed = {"accepted": False, "checks": []}
    kinds = [
        {"status": Status.DRAFT},
        {"status": Status.CREATING_BASE, "namespace": HOSTILE},
        {"status": Status.BASE_CREATED, "namespace": "ns", "base_connection_id": "b", "connection_test": failed},
        {"status": Status.BASE_CREATED, "namespace": "ns", "base_connection_id": "b", "connection_test": {}},
        {"status": Status.SOURCE_CREATED, "namespace": "ns", "event_hub_name": HOSTILE, "base_connection_id": "b"},
        {"status": Status.SOURCE_CREATED, "namespace": "ns", "base_connection_id": "b", "connection_test": passed},
        {"status": Status.SOURCE_FAILED, "base_connection_id": "b", "went_on_anyway_at": MOMENT},
        {"status": Status.SOURCE_CREATED, "archived_at": MOMENT},
        {"status": Status.SOURCE_CREATED, "removed_from_adobe_at": MOMENT},
    ]
    built = []
    for number, kind in enumerate(kinds):
        onboarding = Onboarding(
            public_id=uuid.UUID(int=number),
            name=HOSTILE if number % 2 else f"Orders {number}",
            sandbox_name=HOSTILE if number == 3 else "prod",
            created_at=MOMENT + datetime.timedelta(days=number * 40, hours=number),
            **kind,
        )
        if onboarding.connection_test is not None:
            onboarding.connection_tested_at = MOMENT - datetime.timedelta(days=number)
        built.append(onboarding)
    return built


def test_every_kind_of_row_is_written_exactly_as_the_row_template_writes_it() -> None:
    rows = listing.rows(_onboardings(), prefix="/onboardings/")
    assert {row.badge for row in rows} >= {"attention", "draft", "source_created"}
    assert any(row.tested for row in rows) and any(not row.tested for row in rows)
    for row in rows:
        template = render_to_string("onboarding/_list_row.html", {"row": row}).split("\n", 1)[1].rstrip("\n")
        assert str(row) == template


def test_a_row_prints_as_its_markup_in_a_template() -> None:
    row = listing.rows(_onboardings()[:1], prefix="/onboardings/")[0]
    assert render_to_string("onboarding/list.html", {"rows": [row], "page": 1}).count(str(row)) == 1


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/St_Johns"])
def test_a_moment_is_written_as_the_date_filter_writes_it(zone: str) -> None:
    with timezone.override(zone):
        for hours in range(0, 24 * 400, 37):
            moment = MOMENT + datetime.timedelta(hours=hours, minutes=hours % 61)
            for year, shown in ((False, "j M, H:i"), (True, "j M Y, H:i")):
                when = listing.When.of(moment, year=year)
                assert when is not None
                local = timezone.localtime(moment)
                assert (when.iso, when.text) == (date_filter(local, "c"), date_filter(local, shown))
    assert listing.When.of(None, year=True) is None


def _list_rows(client: Any) -> list[str]:
    html = client.get("/onboardings/").content.decode()
    return re.findall(r"<tr>\n.*?</tr>", html, flags=re.S)  # the heading's row is on one line


@pytest.mark.django_db
def test_a_list_seen_again_writes_only_the_rows_that_changed(client, user, make_onboarding, monkeypatch) -> None:
    """Each row's markup is kept for the same stored row: seen again, nothing is made or decrypted; a renamed
    onboarding and a new one are written afresh, and every row reads as a fresh rendering reads."""
    for number in range(4):
        make_onboarding("draft", name=f"Orders {number}", namespace=f"ns-{number}")
    # Made beforehand: making one changes a setting (its tasks run at once), which forgets what was kept.
    Onboarding.objects.filter(name="Orders 3").update(archived_at=MOMENT)
    client.force_login(user)
    made: list[int] = []
    real = reads.listed_instances

    def counted(stored: Any) -> list[Onboarding]:
        made.append(len(stored))
        return real(stored)

    monkeypatch.setattr(reads, "listed_instances", counted)
    first = _list_rows(client)
    assert made == [3] and all("ns-" in row for row in first)
    assert _list_rows(client) == first and made == [3]

    Onboarding.objects.filter(name="Orders 1").update(name="Renamed <1>")
    Onboarding.objects.filter(name="Orders 3").update(archived_at=None)
    again = _list_rows(client)
    assert made == [3, 2]
    assert "Renamed &lt;1&gt;" in again[2] and "Orders 3" in again[0] and again[1::2] == first[::2]
    fresh = listing.rows(reads.listed(user, start=0, stop=20), prefix="/onboardings/")
    assert again == [str(row) for row in fresh]


@pytest.mark.django_db
def test_kept_rows_follow_the_time_zone(client, user, make_onboarding) -> None:
    """The same stored row in another time zone (activated, no setting changed) is written again."""
    make_onboarding("draft")
    client.force_login(user)
    created = Onboarding.objects.get().created_at
    utc = _list_rows(client)[0]
    with timezone.override("Asia/Kolkata"):
        kolkata = _list_rows(client)[0]
        assert timezone.localtime(created).isoformat() in kolkata
    assert kolkata != utc and _list_rows(client)[0] == utc


def test_kept_markup_is_bounded_and_forgotten_when_a_setting_changes(settings) -> None:
    kept = KeptMarkup(limit=2)
    kept.keep("a", "<a>")
    kept.keep("b", "<b>")
    kept.keep("c", "<c>")
    assert dict(kept) == {"c": "<c>"}
    settings.TIME_ZONE = "Asia/Kolkata"
    assert not kept
