"""Check the Adobe configuration end to end: get an IMS token, read the Event Hubs connection spec.

With `--contract`, run the whole journey the app makes in a sandbox you name, record the shape of
every answer, replay the journey against the emulator, and print every difference (see the README,
"Checking the emulator against Adobe"). With `--replay FILE`, compare a recording against the emulator.
The check itself is connections/services/contract_check.py (the admin's go-live check runs it too); this
command reads its arguments and prints.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from connections import adobe
from connections.flowservice import EVENT_HUBS_CONNECTION_SPEC_ID, FieldMapping, FlowServiceError, contract
from connections.flowservice.contract import DataflowInputs, JourneyInputs
from connections.messages import describe
from connections.services import contract_check

KEY_VARIABLE = "CONTRACT_SAS_KEY"  # the SAS key is read from the environment, never from the command line


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
        where = contract_check.recorded_by()
        self.stdout.write(f"Recording the journey against {where} ({settings.FLOW_SERVICE_URL}, sandbox {sandbox})")
        recording = contract_check.record(sandbox, inputs)
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
        return contract_check.journey_inputs(
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
        try:
            report = contract_check.report(recording)
        except contract_check.NotARecording as error:
            raise CommandError(str(error)) from error
        for difference in report.differences:
            self.stdout.write(f"  DIFFERENT {difference}")
        for what, verdict, _ in report.verdicts:
            self.stdout.write(f"  {verdict.upper()}: {what}")
        if report.differences:
            raise CommandError(f"{len(report.differences)} difference(s) between {report.recorded} and the emulator.")
        self.stdout.write(self.style.SUCCESS(f"No difference between {report.recorded} and the emulator."))

    # The quick check

    def _check(self, sandbox: str) -> None:
        self.sandbox = sandbox
        self.stdout.write(f"Mode: {contract_check.recorded_by()}")
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
