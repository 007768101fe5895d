"""Faults from Adobe, step by step: a clear message, nothing lost, a safe retry, one object each."""

from __future__ import annotations

import html
import socket
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from connections.flowservice_emulator import FLOW_PREFIX
from connections.models import FlowServiceCall, Onboarding
from tests.conftest import DEMO_MANAGE_KEY, account_post, source_post

pytestmark = pytest.mark.django_db
Status = Onboarding.Status
PATHS = {"token": "/ims/token/v3", "base": "/connections", "source": "/sourceConnections"}
# What the user reads for each fault (the problem's title).
TITLES = {
    "refused": "Could not connect",
    "timeout": "No answer in time",
    "dropped": "Could not connect",
    "429": "Adobe is busy",
    "500": "Adobe is unavailable",
    "502": "Adobe is unavailable",
    "503": "Adobe is unavailable",
    "401": "Adobe refused the access token",
}
TOKEN_TITLES = {**TITLES, "401": "Adobe refused the app's credentials"}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(autouse=True)
def quick_calls(settings: Any) -> None:
    settings.FLOW_SERVICE_CONNECT_TIMEOUT = 0.5
    settings.FLOW_SERVICE_READ_TIMEOUT = 0.6
    settings.FLOW_SERVICE_MAX_ATTEMPTS = 2
    settings.FLOW_SERVICE_RETRY_BUDGET = 1.5


def inject(fault: str, step: str, emulator: Any, settings: Any) -> Callable[[], None]:
    """Start the fault; return what ends it."""
    if fault == "refused":
        dead = f"http://127.0.0.1:{closed_port()}"
        name, value = ("IMS_URL", dead) if step == "token" else ("FLOW_SERVICE_URL", dead + FLOW_PREFIX)
        previous = getattr(settings, name)
        setattr(settings, name, value)
        return lambda: setattr(settings, name, previous)
    # Creates lose their answer after the work is done (the worst case); a token request before.
    phase = "before" if step == "token" else "after"
    options: dict[str, Any] = {
        "timeout": {"delay": 1.0, "phase": phase},
        "dropped": {"drop": True, "phase": phase},
        "429": {"status": 429, "retry_after": 1},
        "500": {"status": 500, "phase": phase},
        "502": {"status": 502},
        "503": {"status": 503},
        "401": {"status": 401},
    }[fault]
    emulator.fault(PATHS[step], method="POST", count=50, **options)
    return lambda: __import__("requests").delete(f"{emulator.url}/__emulator__/faults", timeout=5)


def remote_names(emulator: Any, collection: str) -> list[str]:
    return [item["name"] for item in emulator.get(f"/{collection}").json()["items"]]


def assert_one_of_each(emulator: Any, onboarding: Onboarding) -> None:
    assert remote_names(emulator, "connections").count(onboarding.base_connection_name) == 1
    assert remote_names(emulator, "sourceConnections").count(onboarding.source_connection_name) == 1
    assert emulator.stats() == {**emulator.stats(), "connections": 1, "sourceConnections": 1}


@pytest.mark.parametrize("fault", list(TITLES))
@pytest.mark.parametrize("step", ["token", "base", "source"])
def test_fault_then_retry(step, fault, alice, emulator, settings):
    if step != "source":
        stop = inject(fault, step, emulator, settings)
    response = alice.post(reverse("onboarding:new"), account_post())
    onboarding = Onboarding.objects.get()
    if step == "source":
        assert onboarding.status == Status.BASE_CREATED
        stop = inject(fault, step, emulator, settings)
        response = alice.post(response["Location"], source_post())
    page = html.unescape(alice.get(response["Location"]).content.decode())
    onboarding.refresh_from_db()

    # A clear message, with the evidence, and a Retry button where retrying can help
    failed = Status.SOURCE_FAILED if step == "source" else Status.BASE_FAILED
    assert onboarding.status == failed
    title = (TOKEN_TITLES if step == "token" else TITLES)[fault]
    assert f"<h2>{title}</h2>" in page
    assert onboarding.last_error["message"].split(".")[0] in page
    offers_retry = onboarding.last_error["retryable"] or onboarding.last_error["outcome_unknown"]
    assert (">Retry with the same details</button>" in page) is offers_retry
    assert offers_retry or (step, fault) == ("token", "401")  # the app's own credentials: an admin fixes them
    if fault not in ("refused", "timeout", "dropped") and step != "token":
        assert onboarding.last_error["request_id"] and onboarding.last_error["request_id"] in page

    # Nothing typed is lost
    assert (onboarding.name, onboarding.namespace, onboarding.sas_key) == (
        "Orders stream",
        "contoso-events",
        DEMO_MANAGE_KEY,
    )
    if step == "source":
        assert (onboarding.event_hub_name, onboarding.consumer_group) == ("orders", "aep-orders")

    # Once the fault is gone, Retry finishes the step; the rest completes; one object of each
    stop()
    retried = alice.post(reverse("onboarding:retry", args=[onboarding.public_id]))
    if step != "source":
        assert retried["Location"] == reverse("onboarding:source", args=[onboarding.public_id])
        alice.post(retried["Location"], source_post())
    onboarding.refresh_from_db()
    assert onboarding.status == Status.SOURCE_CREATED, onboarding.last_error
    assert_one_of_each(emulator, onboarding)


@pytest.mark.parametrize("step", ["base", "source"])
def test_expired_token_is_renewed_without_bothering_the_user(step, alice, emulator):
    from connections import adobe

    alice.get(reverse("onboarding:new"))  # Adobe's list of sandboxes read first: the create is the next call
    if step == "base":
        adobe.token_provider().token()  # the app holds a token...
        emulator.expire_tokens()  # ...that Adobe no longer accepts
    response = alice.post(reverse("onboarding:new"), account_post())
    if step == "source":
        emulator.expire_tokens()
    alice.post(response["Location"], source_post())
    onboarding = Onboarding.objects.get()
    assert onboarding.status == Status.SOURCE_CREATED
    operation = "create_base_connection" if step == "base" else "create_source_connection"
    statuses = [c.status_code for c in FlowServiceCall.objects.filter(operation=operation).order_by("id")]
    assert statuses == [401, 201]
    assert emulator.stats()["tokensIssued"] == 2
    assert_one_of_each(emulator, onboarding)
