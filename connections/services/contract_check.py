"""The contract check against the configured organisation: the journey's inputs, the journey recorded with the
app's settings, its replay against a fresh emulator, and the report (every difference, each guess's verdict).

`flowservice_check --contract` prints the report; the admin's go-live check (go_live.py) keeps it. The journey
itself (connections/flowservice/contract.py) knows no Django: this module gives it the app's settings. The HTTP
client and the emulator load when a check runs, so the admin's web process, which imports this module, never
loads them.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings

from connections import adobe, flowservice
from connections.flowservice import FieldMapping, StandardAuth, contract
from connections.flowservice.contract import DATAFLOW_STEPS, DataflowInputs, JourneyInputs
from connections.target import flow_service_target

if TYPE_CHECKING:
    import requests

    from connections.flowservice import FlowServiceClient, ImsTokenProvider

EMULATOR_ORG = "C0C0C0C0C0C0C0C0C0C0C0C0@AdobeOrg"
# The emulator's demo namespace and its Manage policy (connections/flowservice_emulator/demo_azure.json).
EMULATOR_NAMESPACE = "contoso-events"
EMULATOR_KEY_NAME = "RootManageSharedAccessKey"
EMULATOR_KEY = "wvwtY9kn2UMDjZTFd+pffzMly2J26AoM07uWzS+dfMY="
# The emulator's demo order schema and a mapping of the orders hub's events onto it (schemaregistry/demo.py).
EMULATOR_DATAFLOW = DataflowInputs(
    schema_id="https://ns.adobe.com/eventhubsdemo/schemas/3f1c9a2e5b7d4c60a8e2f9b1d4c7a6e0",
    mappings=(FieldMapping("id", "_eventhubsdemo.order.orderId"), FieldMapping("total", "_eventhubsdemo.order.total")),
)


class NotARecording(ValueError):
    """A file given for comparison that this check did not write."""


# The journey's inputs


def journey_inputs(
    *, namespace: str, sas_key_name: str, sas_key: str, event_hub: str, dataflow: DataflowInputs | None
) -> JourneyInputs:
    """The journey with these Event Hubs credentials, or, without all three, with credentials Azure refuses."""
    if not (namespace and sas_key_name and sas_key):
        return refused_inputs(namespace or f"contract-check-{secrets.token_hex(4)}", dataflow)
    auth = StandardAuth(namespace=namespace, sas_key_name=sas_key_name, sas_key=sas_key)
    return JourneyInputs(
        auth=auth, event_hub_name=event_hub or "contract-check", name=journey_name(), dataflow=dataflow
    )


def refused_inputs(namespace: str = EMULATOR_NAMESPACE, dataflow: DataflowInputs | None = None) -> JourneyInputs:
    """Credentials Azure refuses: the journey then records Adobe's refusals, which are part of the contract."""
    auth = StandardAuth(namespace=namespace, sas_key_name="contract-check", sas_key=secrets.token_urlsafe(32))
    return JourneyInputs(auth=auth, event_hub_name="contract-check", name=journey_name(), dataflow=dataflow)


def emulator_inputs(credentials: str, dataflow: bool = True) -> JourneyInputs:
    """What the replay uses: the emulator's demo credentials if Adobe's test accepted the recorded ones, and its
    demo schema for the dataflow steps if the recording made them."""
    plan = EMULATOR_DATAFLOW if dataflow else None
    if credentials != "working":
        return refused_inputs(dataflow=plan)
    auth = StandardAuth(namespace=EMULATOR_NAMESPACE, sas_key_name=EMULATOR_KEY_NAME, sas_key=EMULATOR_KEY)
    return JourneyInputs(auth=auth, event_hub_name="orders", name=journey_name(), dataflow=plan)


def journey_name() -> str:
    """The name of everything the journey creates, recognisable in the sandbox."""
    return f"contract-check {datetime.now(UTC):%Y%m%d-%H%M%S} {secrets.token_hex(3)}"


# Running the journey


def recorded_by() -> str:
    """Who answers the configured organisation's calls, as a recording names it."""
    return "the local emulator" if flow_service_target().is_emulator else "Adobe"


def record(
    sandbox: str, inputs: JourneyInputs, *, on_step: Callable[[dict[str, Any]], None] | None = None
) -> dict[str, Any]:
    """The journey against the configured organisation's `sandbox`: its recording; `on_step` is told of each
    step as it is recorded."""
    return contract.run_journey(
        lambda session: live_client(session, sandbox), inputs, recorded=recorded_by(), on_step=on_step
    )


def live_client(session: requests.Session, sandbox: str) -> tuple[ImsTokenProvider, FlowServiceClient]:
    """A token provider and client for the configured organisation's `sandbox`, on the journey's `session` (whose
    hook records every answer): the app's settings, timeouts and retries, but neither its token cache nor its call
    history."""
    provider = flowservice.ImsTokenProvider(
        ims_url=settings.IMS_URL,
        client_id=settings.ADOBE_CLIENT_ID,
        client_secret=settings.ADOBE_CLIENT_SECRET,
        scopes=settings.ADOBE_SCOPES,
        session=session,
        timeouts=adobe.timeouts(),
        retry=adobe.retry_policy(),
    )
    client = flowservice.FlowServiceClient(
        base_url=settings.FLOW_SERVICE_URL,
        api_key=settings.ADOBE_CLIENT_ID,
        org_id=settings.ADOBE_ORG_ID,
        sandbox_name=sandbox,
        token_provider=provider,
        session=session,
        timeouts=adobe.timeouts(),
        retry=adobe.retry_policy(),
    )
    return provider, client


@contextmanager
def running_emulator() -> Iterator[str]:
    """A fresh in-memory emulator on a free port for the replay; its URL."""
    from connections.flowservice_emulator import BackgroundEmulator, make_emulator

    server = BackgroundEmulator(make_emulator()).start()
    try:
        yield server.url
    finally:
        server.stop()


def made_dataflow(recording: dict[str, Any]) -> bool:
    """Whether the recorded journey went through the dataflow steps (it needs a schema to map onto)."""
    names = {name for name, _, _ in DATAFLOW_STEPS}
    return any(
        step["step"] in names and step.get("skipped") != contract.NO_SCHEMA for step in recording.get("steps", [])
    )


def replay(recording: dict[str, Any], emulator_url: str) -> dict[str, Any]:
    """The same journey against the emulator at `emulator_url` (no state of the app's is touched)."""
    from connections.flowservice_emulator import FLOW_PREFIX

    def connect(session: requests.Session) -> tuple[ImsTokenProvider, FlowServiceClient]:
        provider = flowservice.ImsTokenProvider(
            ims_url=emulator_url, client_id="contract-check", client_secret="contract-check", session=session
        )
        client = flowservice.FlowServiceClient(
            base_url=emulator_url + FLOW_PREFIX,
            api_key=provider.client_id,
            org_id=EMULATOR_ORG,
            sandbox_name="prod",
            token_provider=provider,
            session=session,
        )
        return provider, client

    inputs = emulator_inputs(str(recording.get("credentials")), made_dataflow(recording))
    return contract.run_journey(connect, inputs, recorded="the emulator")


# Comparing, and the report


def compared_with_emulator(recording: dict[str, Any]) -> list[str]:
    """Every difference between `recording` and the same journey replayed against a fresh emulator."""
    with running_emulator() as url:
        replayed = replay(recording, url)
    return contract.differences(recording, replayed)


@dataclass(frozen=True)
class Report:
    """A recording compared with the emulator: every difference, and for each guess (in `contract.GUESSES`'
    order) what it is, its verdict and the differences that refute it."""

    recording: dict[str, Any]
    differences: list[str]

    @property
    def verdicts(self) -> list[tuple[str, str, list[str]]]:
        return contract.verdicts(self.recording, self.differences)

    @property
    def recorded(self) -> str:
        return str(self.recording.get("recorded", "the recording"))


def report(recording: dict[str, Any]) -> Report:
    """`recording` (as the journey returns it, or read back from its file) compared with a fresh emulator."""
    if recording.get("format") != contract.FORMAT:
        raise NotARecording(f"Not a recording of this check (format {recording.get('format')!r}).")
    return Report(recording, compared_with_emulator(recording))
