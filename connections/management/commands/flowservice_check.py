"""Check the Adobe configuration end to end: get an IMS token, read the Event Hubs connection spec.

With `--contract`, run the whole journey the app makes in a sandbox you name, record the shape of
every answer, replay the journey against the emulator, and print every difference (see the README,
"Checking the emulator against Adobe"). With `--replay FILE`, compare a recording against the emulator.
The admin's go-live check (connections/services/go_live.py) runs the same journey with the functions below.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from connections import adobe
from connections.flowservice import (
    EVENT_HUBS_CONNECTION_SPEC_ID,
    FieldMapping,
    FlowServiceClient,
    FlowServiceError,
    ImsTokenProvider,
    StandardAuth,
    contract,
)
from connections.flowservice.contract import DATAFLOW_STEPS, DataflowInputs, JourneyInputs
from connections.messages import describe
from connections.target import flow_service_target

KEY_VARIABLE = "CONTRACT_SAS_KEY"  # the SAS key is read from the environment, never from the command line
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


def made_dataflow(recording: dict[str, Any]) -> bool:
    """Whether the recorded journey went through the dataflow steps (it needs a schema named with --schema)."""
    names = {name for name, _, _ in DATAFLOW_STEPS}
    return any(
        step["step"] in names and step.get("skipped") != "no schema was named for the dataflow"
        for step in recording.get("steps", [])
    )


def journey_name() -> str:
    return f"contract-check {datetime.now(UTC):%Y%m%d-%H%M%S} {secrets.token_hex(3)}"


def recorded_by() -> str:
    """Who answers the configured organisation's calls, as a recording names it."""
    return "the local emulator" if flow_service_target().is_emulator else "Adobe"


def live_client(session: requests.Session, sandbox: str) -> tuple[ImsTokenProvider, FlowServiceClient]:
    """A token provider and client for the configured organisation's `sandbox`, on the journey's `session` (whose
    hook records every answer): the app's settings, timeouts and retries, but neither its token cache nor its call
    history."""
    provider = ImsTokenProvider(
        ims_url=settings.IMS_URL,
        client_id=settings.ADOBE_CLIENT_ID,
        client_secret=settings.ADOBE_CLIENT_SECRET,
        scopes=settings.ADOBE_SCOPES,
        session=session,
        timeouts=adobe.timeouts(),
        retry=adobe.retry_policy(),
    )
    client = FlowServiceClient(
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


def replay(recording: dict[str, Any], emulator_url: str) -> dict[str, Any]:
    """The same journey against the emulator at `emulator_url` (no state of the app's is touched)."""
    from connections.flowservice_emulator import FLOW_PREFIX

    def connect(session: requests.Session) -> tuple[ImsTokenProvider, FlowServiceClient]:
        provider = ImsTokenProvider(
            ims_url=emulator_url, client_id="contract-check", client_secret="contract-check", session=session
        )
        client = FlowServiceClient(
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


def compared_with_emulator(recording: dict[str, Any]) -> list[str]:
    """Every difference between `recording` and the same journey replayed against a fresh emulator."""
    with running_emulator() as url:
        replayed = replay(recording, url)
    return contract.differences(recording, replayed)


class Command(BaseCommand):
    help = (
        "Get an IMS token and read the Azure Event Hubs connection spec; with --contract, also run the app's "
        "whole journey in a sandbox, record the shape of Adobe's answers and compare the emulator with them."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--sandbox", default=None, help="AEP sandbox to use (default: ADOBE_SANDBOX_NAME)")
        parser.add_argument("--contract", action="store_true", help="record Adobe's answer shapes and compare")
        parser.add_argument("--allow-prod", action="store_true", help="let --contract create objects in prod")
        parser.add_argument("--output", default=None, help="where --contract writes the recording (JSON)")
        parser.add_argument("--replay", default=None, metavar="FILE", help="compare a recording with the emulator")
        parser.add_argument("--namespace", default="", help="--contract: an Event Hubs namespace to connect to")
        parser.add_argument("--sas-key-name", default="", help=f"--contract: its SAS policy (key in ${KEY_VARIABLE})")
        parser.add_argument("--event-hub", default="", help="--contract: the event hub for the source connection")
        parser.add_argument("--schema", default="", help="--contract: a tenant schema ($id) for the dataflow steps")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="SOURCE=DESTINATION",
            help="--contract: a mapping of an event attribute onto a field of --schema (repeat for more)",
        )

    def handle(self, *args: Any, sandbox: str | None, **options: Any) -> None:
        if options["replay"]:
            self._compare(json.loads(Path(options["replay"]).read_text()))
            return
        if options["contract"]:
            self._contract(sandbox, options)
            return
        self._check(sandbox or settings.ADOBE_SANDBOX_NAME)

    # The contract check

    def _contract(self, sandbox: str | None, options: dict[str, Any]) -> None:
        if not sandbox:
            raise CommandError("--contract creates and deletes objects: name the sandbox with --sandbox.")
        if sandbox == "prod" and not options["allow_prod"]:
            raise CommandError("--contract will not create objects in prod unless you add --allow-prod.")
        inputs = self._inputs(options)
        where = recorded_by()
        self.stdout.write(f"Recording the journey against {where} ({settings.FLOW_SERVICE_URL}, sandbox {sandbox})")
        recording = contract.run_journey(lambda session: live_client(session, sandbox), inputs, recorded=where)
        output = Path(options["output"] or f"contract-{sandbox}-{datetime.now(UTC):%Y%m%d-%H%M%S}.json")
        output.write_text(contract.dump(recording))
        for step in recording["steps"]:
            seen = f" ({step['observed']})" if "observed" in step else ""
            self.stdout.write(f"  {step['step']}: {step.get('status', 'skipped: ' + str(step.get('skipped')))}{seen}")
        self.stdout.write(f"Shapes recorded in {output} (statuses, headers, keys and types: no values).")
        self._compare(recording)

    def _inputs(self, options: dict[str, Any]) -> JourneyInputs:
        key = os.environ.get(KEY_VARIABLE, "")
        dataflow = self._dataflow(options)
        if not (options["namespace"] and options["sas_key_name"] and key):
            self.stdout.write(
                f"No working Event Hubs credentials given (--namespace, --sas-key-name and ${KEY_VARIABLE}): the "
                "journey records Adobe's answers to credentials Azure refuses."
            )
        return journey_inputs(
            namespace=options["namespace"],
            sas_key_name=options["sas_key_name"],
            sas_key=key,
            event_hub=options["event_hub"],
            dataflow=dataflow,
        )

    def _dataflow(self, options: dict[str, Any]) -> DataflowInputs | None:
        if not options["schema"]:
            self.stdout.write("No --schema given: the dataflow steps (dataset, mapping, flow, runs) are skipped.")
            return None
        pairs = [item.partition("=") for item in options["map"]]
        if not pairs or any(not source or not destination for source, _, destination in pairs):
            raise CommandError("--schema needs at least one --map SOURCE=DESTINATION (a field of the schema).")
        return DataflowInputs(options["schema"], tuple(FieldMapping(s, d) for s, _, d in pairs))

    def _compare(self, recording: dict[str, Any]) -> None:
        if recording.get("format") != contract.FORMAT:
            raise CommandError(f"Not a recording of this check (format {recording.get('format')!r}).")
        found = compared_with_emulator(recording)
        for difference in found:
            self.stdout.write(f"  DIFFERENT {difference}")
        for what, verdict, _ in contract.verdicts(recording, found):
            self.stdout.write(f"  {verdict.upper()}: {what}")
        if found:
            raise CommandError(f"{len(found)} difference(s) between {recording['recorded']} and the emulator.")
        self.stdout.write(self.style.SUCCESS(f"No difference between {recording['recorded']} and the emulator."))

    # The quick check

    def _check(self, sandbox: str) -> None:
        self.sandbox = sandbox
        where = recorded_by()
        self.stdout.write(f"Mode: {where}")
        self.stdout.write(f"  IMS:          {settings.IMS_URL} (client {settings.ADOBE_CLIENT_ID})")
        self.stdout.write(
            f"  Flow Service: {settings.FLOW_SERVICE_URL} (org {settings.ADOBE_ORG_ID}, sandbox {sandbox})"
        )
        provider = adobe.token_provider()
        try:
            provider.token()
        except FlowServiceError as error:
            self._fail("1. IMS token", error, "getting a token")
        self.stdout.write(self.style.SUCCESS("1. IMS token: OK (scopes: " + settings.ADOBE_SCOPES + ")"))
        client = adobe.flow_client(onboarding=None, actor=None, sandbox_name=sandbox)
        try:
            spec = client.get_connection_spec(EVENT_HUBS_CONNECTION_SPEC_ID)
        except FlowServiceError as error:
            self._fail("2. Event Hubs connection spec", error, "reading the connection spec")
        auth_names = ", ".join(auth.get("name", "?") for auth in spec.get("authSpec", []))
        self.stdout.write(
            self.style.SUCCESS(
                f"2. Event Hubs connection spec: OK: {spec.get('name', '?')} version {spec.get('version', '?')}, "
                f"auth types: {auth_names}"
            )
        )
        self.stdout.write(self.style.SUCCESS(f"Ready: onboardings can be created in sandbox '{sandbox}'."))

    def _fail(self, step: str, error: FlowServiceError, doing: str) -> None:
        problem = describe(error, doing=doing, sandbox=self.sandbox)
        evidence = ", ".join(
            part
            for part in (
                f"HTTP {error.status}" if error.status else "",
                f"code {error.code}" if error.code else "",
                f"request {error.request_id}" if error.request_id else "",
            )
            if part
        )
        raise CommandError(
            f"{step}: FAILED: {problem.title}. {problem.message}"
            + (f" ({evidence}; Adobe said: {error.message})" if evidence else f" ({error.message})")
        )
