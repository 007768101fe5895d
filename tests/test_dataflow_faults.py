"""The fault matrix extended to the dataflow's creates: a clear message, nothing lost, Retry of only the
failed step, one object of each in the end."""

from __future__ import annotations

import html
from typing import Any

import pytest
import requests
from django.urls import reverse

from connections.models import Dataflow
from tests.test_dataflow_services import chosen_raw_dataflow
from tests.test_faults import TITLES, closed_port, quick_calls  # noqa: F401  (the fixture applies here too)

pytestmark = pytest.mark.django_db
STEPS = {
    "dataset": ("/data/foundation/catalog/dataSets", "dataSets"),
    "target": ("/data/foundation/flowservice/targetConnections", "targetConnections"),
    "mapping": ("/data/foundation/conversion/mappingSets", "mappingSets"),
    "flow": ("/data/foundation/flowservice/flows", "flows"),
}


def inject(fault: str, step: str, emulator: Any, settings: Any) -> Any:
    if fault == "refused":  # every service sits under the same host: the first create meets it
        previous = settings.FLOW_SERVICE_URL
        settings.FLOW_SERVICE_URL = f"http://127.0.0.1:{closed_port()}/data/foundation/flowservice"
        return lambda: setattr(settings, "FLOW_SERVICE_URL", previous)
    # Creates lose their answer after the work is done (the worst case): Retry must find the object by its name
    # (the mapping set's through Data Prep's documented GET /mappingSets?name=) and adopt it.
    phase = "after"
    options: dict[str, Any] = {
        "timeout": {"delay": 1.0, "phase": phase},
        "dropped": {"drop": True, "phase": phase},
        "429": {"status": 429, "retry_after": 1},
        "500": {"status": 500, "phase": phase},
        "502": {"status": 502},
        "503": {"status": 503},
        "401": {"status": 401},
    }[fault]
    emulator.fault(STEPS[step][0], method="POST", count=50, **options)
    return lambda: requests.delete(f"{emulator.url}/__emulator__/faults", timeout=5)


CASES = [(step, fault) for step in STEPS for fault in TITLES]


@pytest.mark.parametrize(("step", "fault"), CASES)
def test_fault_then_retry(step, fault, alice, user, make_onboarding, emulator, settings):
    dataflow = chosen_raw_dataflow(make_onboarding)
    stop = inject(fault, step, emulator, settings)
    review = reverse("onboarding:dataflow_review", args=[dataflow.onboarding.public_id, dataflow.public_id])
    response = alice.post(review, {"name": "Orders into AEP", "description": ""})
    page = html.unescape(alice.get(response["Location"]).content.decode())
    dataflow.refresh_from_db()
    assert dataflow.status == Dataflow.Status.FAILED
    assert f"<h2>{TITLES[fault]}</h2>" in page and ">Retry</button>" in page
    assert dataflow.mappings and dataflow.sample  # nothing chosen is lost
    stop()
    alice.post(reverse("onboarding:dataflow_retry", args=[dataflow.onboarding.public_id, dataflow.public_id]))
    dataflow.refresh_from_db()
    assert dataflow.status == Dataflow.Status.CREATED, dataflow.last_error
    stats = emulator.stats()
    assert (stats["dataSets"], stats["targetConnections"], stats["mappingSets"], stats["flows"]) == (1, 1, 1, 1)
