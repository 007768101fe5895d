"""The demo's fast-forward: the emulator's own clock control (safe without --faults), offered on Data arriving only
while the app talks to the local emulator, and refused against anything else."""

from __future__ import annotations

import pytest
import requests
from django.urls import reverse

from connections.flowservice_emulator import make_emulator
from connections.flowservice_emulator.server import BackgroundEmulator
from connections.models import Dataflow
from connections.services import dataflow as df
from connections.services import dataflow_choices as choices
from connections.services import demo_clock
from connections.services.errors import OnboardingError
from connections.target import FlowServiceMode, FlowServiceTarget, flow_service_target
from tests.test_dataflow_services import chosen_raw_dataflow

HOUR_MS = 3_600_000
BUTTON = "Fast-forward the demo an hour"


@pytest.fixture
def without_faults():
    """The emulator as `make run` starts it: no test controls."""
    server = BackgroundEmulator(make_emulator(faults=False)).start()
    yield server
    server.stop()


class TestTheEmulatorsControl:
    def test_it_moves_the_clock_an_hour_on_without_faults(self, without_faults):
        before = without_faults.emulator.store.now_ms()
        answer = requests.post(without_faults.url + demo_clock.NEXT_HOUR_PATH, timeout=5)
        assert answer.status_code == 200
        assert answer.json()["now"] - before >= HOUR_MS

    def test_it_never_moves_the_clock_back_whatever_it_is_sent(self, without_faults):
        before = without_faults.emulator.store.now_ms()
        requests.post(without_faults.url + demo_clock.NEXT_HOUR_PATH, json={"advance": -7200}, timeout=5)
        assert without_faults.emulator.store.now_ms() - before >= HOUR_MS

    def test_the_test_controls_stay_hidden_without_faults(self, without_faults):
        for method, path in (("POST", "/__emulator__/clock"), ("POST", "/__emulator__/reset")):
            assert requests.request(method, without_faults.url + path, json={}, timeout=5).status_code == 404
        assert requests.get(without_faults.url + demo_clock.NEXT_HOUR_PATH, timeout=5).status_code == 404


def url(name: str, dataflow: Dataflow) -> str:
    return reverse(f"onboarding:{name}", args=[dataflow.onboarding.public_id, dataflow.public_id])


@pytest.fixture
def created(make_onboarding, alice) -> Dataflow:
    return df.dataflow_finish(dataflow=chosen_raw_dataflow(make_onboarding), actor=None)


def received(client, dataflow: Dataflow) -> int:
    html = client.get(url("dataflow_activity", dataflow)).content.decode()
    return int(html.split('id="records-received">', 1)[1].split("<", 1)[0])


@pytest.mark.django_db
class TestOnDataArriving:
    def test_on_the_emulator_the_button_moves_its_clock_and_the_activity_is_read_again(
        self, created, alice, emulator_server
    ):
        assert BUTTON in alice.get(url("dataflow_watch", created)).content.decode()
        before, clock = received(alice, created), emulator_server.emulator.store.now_ms()
        response = alice.post(url("dataflow_fast_forward", created))
        assert response.status_code == 302 and response.url == url("dataflow_watch", created)
        assert emulator_server.emulator.store.now_ms() - clock >= HOUR_MS
        assert received(alice, created) > before  # the read done after the clock moved is the one shown

    def test_htmx_gets_the_activity_region(self, created, alice):
        response = alice.post(url("dataflow_fast_forward", created), headers={"HX-Request": "true"})
        assert response.status_code == 200 and 'id="records-received"' in response.content.decode()

    @pytest.mark.parametrize(
        "target",
        [
            {"FLOW_SERVICE_MODE": "adobe", "FLOW_SERVICE_URL": "https://platform.adobe.io/data/foundation/flowservice"},
            {"FLOW_SERVICE_URL": "https://proxy.example.com/data/foundation/flowservice"},
        ],
        ids=["adobe", "another flow service url"],
    )
    def test_elsewhere_the_button_is_absent_and_refused(self, created, alice, settings, emulator_server, target):
        for name, value in target.items():
            setattr(settings, name, value)
        clock = emulator_server.emulator.store.now_ms()
        assert not flow_service_target().offers_demo_clock
        assert BUTTON not in alice.get(url("dataflow_watch", created)).content.decode()
        assert alice.post(url("dataflow_fast_forward", created)).status_code == 404
        with pytest.raises(OnboardingError):
            demo_clock.dataflow_start_fast_forward(dataflow=created, actor=None)
        with pytest.raises(OnboardingError):
            demo_clock.next_hour(flow_service_target())
        assert emulator_server.emulator.store.now_ms() - clock < HOUR_MS

    def test_another_persons_dataflow_is_not_found(self, created, client, other_user):
        client.force_login(other_user)
        assert client.post(url("dataflow_fast_forward", created)).status_code == 404

    def test_a_paused_dataflow_is_not_offered_it(self, created, alice):
        created.flow_state = "disabled"
        created.save(update_fields=["flow_state"])
        assert BUTTON not in alice.get(url("dataflow_watch", created)).content.decode()

    def test_while_the_page_reads_the_activity_the_press_is_refused_with_why(self, created, alice, task_queue):
        choices.dataflow_read(choices.ACTIVITY, dataflow=created, actor=created.onboarding.owner, ask=choices.Ask.AGAIN)
        response = alice.post(url("dataflow_fast_forward", created), follow=True)
        assert "Reading the dataflow&#x27;s activity is still under way" in response.content.decode()


def test_an_emulator_that_does_not_answer_is_said_so():
    dead = FlowServiceTarget(
        FlowServiceMode.EMULATOR, "http://127.0.0.1:9/data/foundation/flowservice", "http://127.0.0.1:9"
    )
    with pytest.raises(OnboardingError) as raised:
        demo_clock.next_hour(dead)
    assert raised.value.problem.title == "The emulator's clock did not move"
    assert "did not move its clock on (no answer)" in raised.value.message
