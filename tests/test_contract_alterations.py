"""The contract check against an "Adobe" that differs from the emulator in one way the documents describe.

A second emulator stands in for Adobe behind an altering proxy (tests/contract/proxy.py); each alteration
is one of the behaviours the app once got wrong (a PATCH reflected in a dataflow's runs, Profile tags not read
back, Catalog paging or filter, Schema Registry paging, where run errors sit, a token for any organisation,
disabling a disabled flow, enabling an enabled one, an unknown event hub, Data Prep refusing the generated id or
previewing one id for every record). The check must name the guess each one refutes, and nothing must differ when the
stand-in is left as it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import pytest

from connections.flowservice.contract import ANOTHER_ORG, GUESSES, UNKNOWN_HUB, differences, verdicts
from connections.flowservice_emulator import BackgroundEmulator, make_emulator
from tests.conftest import ORG_ID
from tests.contract.proxy import AlteringProxy, Before, Exchange, Reply
from tests.test_client_contract import record


def _route(exchange: Exchange) -> str:
    return urlsplit(exchange.path).path


# 1. A PATCH on a source connection is carried into its dataflow: the runs then read the hub it names now.


def reflect_source_patches() -> tuple[Before, Callable[[Exchange, Reply], Reply]]:
    patched: list[str] = []

    def after(exchange: Exchange, reply: Reply) -> Reply:
        if exchange.method == "PATCH" and "/sourceConnections/" in exchange.path and reply.status == 200:
            patched.append(exchange.path)
        if patched and exchange.method == "GET" and _route(exchange).endswith("/runs") and reply.status == 200:
            body = reply.json()
            for run in body.get("items", []):
                run["metrics"]["statusSummary"]["status"] = "failed"
            return reply.with_json(body)
        return reply

    return _forward, after


# 2. Catalog reads a dataset back with the streaming tutorial's tags, not `unifiedProfile`/`unifiedIdentity`.


def profile_tags_renamed(exchange: Exchange, reply: Reply) -> Reply:
    if exchange.method != "GET" or "/dataSets/" not in exchange.path or reply.status != 200:
        return reply
    body = reply.json()
    for dataset in body.values():
        tags = dataset.get("tags", {})
        for reserved, tutorial in (("unifiedProfile", "profile"), ("unifiedIdentity", "identity")):
            if reserved in tags:
                tags[tutorial] = tags.pop(reserved)
    return reply.with_json(body)


# 3. Catalog ignores `start`: every page is the first.


def catalog_ignores_start(exchange: Exchange) -> Reply | None:
    if exchange.method == "GET" and _route(exchange).endswith("/dataSets") and "start" in exchange.query:
        exchange.with_query({k: v for k, v in exchange.query.items() if k != "start"})
    return None


# 4. Catalog's `name=` is read literally: a comma or a `*` is part of the name.


def literal_name_filter() -> tuple[Before, Callable[[Exchange, Reply], Reply]]:
    literal: dict[int, str] = {}

    def before(exchange: Exchange) -> Reply | None:
        name = exchange.query.get("name", "")
        if exchange.method == "GET" and _route(exchange).endswith("/dataSets") and ("," in name or "*" in name):
            literal[id(exchange)] = name
            exchange.with_query({k: v for k, v in exchange.query.items() if k != "name"})
        return None

    def after(exchange: Exchange, reply: Reply) -> Reply:
        name = literal.pop(id(exchange), None)
        if name is None or reply.status != 200:
            return reply
        return reply.with_json({key: d for key, d in reply.json().items() if d.get("name") == name})

    return before, after


# 5. The Schema Registry names its next page in `_links.next.href` only.


def schema_pages_by_links(exchange: Exchange, reply: Reply) -> Reply:
    if exchange.method != "GET" or not _route(exchange).endswith("/tenant/schemas") or reply.status != 200:
        return reply
    body = reply.json()
    following = (body.get("_page") or {}).pop("next", None)
    if following:
        body["_links"] = {"next": {"href": "/tenant/schemas?" + urlencode({**exchange.query, "start": following})}}
    return reply.with_json(body)


# 6. Runs carry their errors in their summary only, and come oldest first.


def runs_without_activities(exchange: Exchange, reply: Reply) -> Reply:
    if exchange.method != "GET" or not _route(exchange).endswith("/runs") or reply.status != 200:
        return reply
    body = reply.json()
    for run in body.get("items", []):
        run.pop("activities", None)
    body["items"] = body.get("items", [])[::-1]
    return reply.with_json(body)


# 7. A token is accepted with any organisation's id.


def any_org(exchange: Exchange) -> Reply | None:
    for header, value in list(exchange.headers.items()):
        if header.lower() == "x-gw-ims-org-id" and value == ANOTHER_ORG:
            exchange.headers[header] = ORG_ID
    return None


# 8. Disabling a disabled flow succeeds; or enabling an enabled one does (each alone).


def action_always_succeeds(op: str) -> Callable[[Exchange, Reply], Reply]:
    def after(exchange: Exchange, reply: Reply) -> Reply:
        refused = exchange.method == "POST" and _route(exchange).endswith("/action") and reply.status == 400
        if refused and exchange.query.get("op") == op and "1422-400" in str(reply.json().get("type")):
            return reply.with_json({"id": _route(exchange).split("/")[-2], "etag": '"0"'}, status=200)
        return reply

    return after


# 9. The Azure side believes a source connection on any event hub.


def unknown_hubs_read(exchange: Exchange) -> Reply | None:
    if exchange.method == "POST" and _route(exchange).endswith("/sourceConnections"):
        body = json.loads(exchange.body)
        if body.get("params", {}).get("eventHubName") == UNKNOWN_HUB:
            body["params"]["eventHubName"] = "orders"
            exchange.body = json.dumps(body).encode()
    return None


# 10. Data Prep refuses an expression row (its destination made one the schema lacks, so the stand-in refuses it as it
# refuses any wrong row: FAILED in the validation, 400 in the preview); or its preview gives every record one `_id`.


def expression_refused(exchange: Exchange) -> Reply | None:
    route = _route(exchange)
    if exchange.method == "POST" and route.endswith(("/mappingSets/validate", "/mappingSets/preview")):
        body = json.loads(exchange.body)
        mapping_set = body.get("mappingSet", body)
        for row in mapping_set.get("mappings", []):
            if row.get("sourceType") == "EXPRESSION":
                row["destination"] = "contractCheckNoSuchField"
        exchange.body = json.dumps(body).encode()
    return None


def one_id_for_every_record(exchange: Exchange, reply: Reply) -> Reply:
    if exchange.method != "POST" or not _route(exchange).endswith("/mappingSets/preview") or reply.status != 200:
        return reply
    body = reply.json()
    records = body.get("data") if isinstance(body.get("data"), list) else []
    for mapped in records:
        mapped["_id"] = records[0]["_id"]
    return reply.with_json(body)


def _forward(exchange: Exchange) -> Reply | None:
    return None


def _same(exchange: Exchange, reply: Reply) -> Reply:
    return reply


@dataclass(frozen=True)
class Alteration:
    """An "Adobe" altered by `before`/`after`, and the guesses the check must then call refuted."""

    before: Before
    after: Callable[[Exchange, Reply], Reply]
    refuted: frozenset[str]


def guess(starting: str) -> str:
    (what,) = [g.what for g in GUESSES if g.what.startswith(starting)]
    return what


SOURCE_PATCH = guess("A source connection's PATCH")
RUNS = guess("Runs of a streaming flow")
UNKNOWN_HUB_RUNS = guess("A flow on an event hub the namespace lacks")
GENERATED_ID = guess("A `uuid()` expression")


def alterations() -> dict[str, Alteration]:
    reflect_before, reflect_after = reflect_source_patches()
    literal_before, literal_after = literal_name_filter()
    return {
        "1 source PATCH rewrites runs": Alteration(reflect_before, reflect_after, frozenset({SOURCE_PATCH})),
        "2 Profile tags not read back": Alteration(
            _forward, profile_tags_renamed, frozenset({guess("A dataset created with `unifiedProfile`")})
        ),
        "3 Catalog ignores start": Alteration(
            catalog_ignores_start, _same, frozenset({guess("Catalog pages with `limit` and `start`")})
        ),
        "4 name= read literally": Alteration(
            literal_before, literal_after, frozenset({guess("Catalog's `name=` is a pattern")})
        ),
        "5 schemas paged by _links only": Alteration(
            _forward, schema_pages_by_links, frozenset({guess("The Schema Registry pages")})
        ),
        # The runs' shape is seen wherever runs are read: after the source PATCH and on the unknown hub too.
        "6 run errors not in activities, oldest first": Alteration(
            _forward, runs_without_activities, frozenset({RUNS, SOURCE_PATCH, UNKNOWN_HUB_RUNS})
        ),
        "7 token not bound to its org": Alteration(
            any_org, _same, frozenset({guess("A token is bound to its organisation")})
        ),
        "8a disabling a disabled flow succeeds": Alteration(
            _forward, action_always_succeeds("disable"), frozenset({guess("Disabling a disabled flow")})
        ),
        "8b enabling an enabled flow succeeds": Alteration(
            _forward, action_always_succeeds("enable"), frozenset({guess("Enabling an enabled flow")})
        ),
        "9 Azure accepts an unknown hub": Alteration(unknown_hubs_read, _same, frozenset({UNKNOWN_HUB_RUNS})),
        "10a Data Prep refuses the uuid() expression": Alteration(expression_refused, _same, frozenset({GENERATED_ID})),
        "10b the preview gives two records one id": Alteration(
            _forward, one_id_for_every_record, frozenset({GENERATED_ID})
        ),
    }


@pytest.fixture(scope="module")
def adobe_stand_in() -> Iterator[BackgroundEmulator]:
    """A second emulator standing in for Adobe (behind the proxy when altered)."""
    server = BackgroundEmulator(make_emulator()).start()
    yield server
    server.stop()


def check(adobe_url: str, ims_url: str, emulator_url: str) -> tuple[list[str], dict[str, str]]:
    """The contract check: Adobe's recording compared with the emulator's; the differences and each verdict."""
    recording = record(adobe_url, ims_url=ims_url)
    found = differences(recording, record(emulator_url, recorded="the emulator"))
    return found, {what: verdict for what, verdict, _ in verdicts(recording, found)}


def test_the_unaltered_stand_in_shows_no_difference_and_confirms_every_guess(adobe_stand_in, emulator):
    with AlteringProxy(adobe_stand_in.url) as proxy:
        found, said = check(proxy.url, adobe_stand_in.url, emulator.url)
    assert found == []
    assert set(said.values()) == {"confirmed"}


@pytest.mark.parametrize("altered", list(alterations()))
def test_each_alteration_is_reported_by_the_guess_it_refutes(adobe_stand_in, emulator, altered):
    alteration = alterations()[altered]
    with AlteringProxy(adobe_stand_in.url, before=alteration.before, after=alteration.after) as proxy:
        found, said = check(proxy.url, adobe_stand_in.url, emulator.url)
    refuted = {what for what, verdict in said.items() if verdict == "refuted"}
    assert refuted == alteration.refuted, found
    steps = {step for g in GUESSES if g.what in refuted for step in g.steps}
    assert found and all(difference.split(":", 1)[0] in steps for difference in found)


@pytest.mark.parametrize(
    ("altered", "step", "action"), [("8a", "pause_flow_again", "disable"), ("8b", "resume_flow_again", "enable")]
)
def test_a_second_pause_and_a_second_resume_are_told_apart_in_words(adobe_stand_in, emulator, altered, step, action):
    (name,) = [name for name in alterations() if name.startswith(altered + " ")]
    alteration = alterations()[name]
    with AlteringProxy(adobe_stand_in.url, before=alteration.before, after=alteration.after) as proxy:
        found, _ = check(proxy.url, adobe_stand_in.url, emulator.url)
    assert (
        f"{step}: observed 'a second {action} was accepted' with Adobe, "
        f"'a second {action} was refused (1422-400) and the flow read {action}d' with the emulator"
    ) in found
    assert not [difference for difference in found if not difference.startswith(step + ":")]


def test_an_observation_is_compared_only_where_both_journeys_made_one():
    step = {"step": "list_runs", "method": "GET", "path": "/runs", "status": 200, "headers": {}, "body": "empty"}
    adobe = {"recorded": "Adobe", "steps": [step | {"observed": "not newest first"}]}
    assert differences(adobe, {"recorded": "the emulator", "steps": [step]}) == []  # nothing seen: no verdict
    ours = {"recorded": "the emulator", "steps": [step | {"observed": "newest first"}]}
    assert differences(adobe, ours) == [
        "list_runs: observed 'not newest first' with Adobe, 'newest first' with the emulator"
    ]


def test_runs_not_listed_yet_leave_the_guesses_about_runs_not_exercised(adobe_stand_in, emulator):
    """Adobe starts a new streaming flow's runs minutes later: an empty list confirms nothing about runs."""

    def no_runs_yet(exchange: Exchange, reply: Reply) -> Reply:
        if exchange.method == "GET" and _route(exchange).endswith("/runs") and reply.status == 200:
            return reply.with_json({**reply.json(), "items": []})
        return reply

    with AlteringProxy(adobe_stand_in.url, after=no_runs_yet) as proxy:
        found, said = check(proxy.url, adobe_stand_in.url, emulator.url)
    assert found == []
    unexercised = {what for what, verdict in said.items() if verdict == "not exercised"}
    assert unexercised == {RUNS, SOURCE_PATCH, UNKNOWN_HUB_RUNS}
