"""The go-live check: the contract check (contract_check.py) run from the admin, in a background task.

A superuser asks for it (`start`); the request records a `GoLiveCheck` and enqueues `check_in_background`, which
runs the app's journey against the configured organisation in the chosen sandbox, records the shape of every
answer, tells the row of each step as it is recorded (the page's progress), replays the journey against a fresh
emulator and keeps, for each of the client's guesses, its verdict with what Adobe answered and what to do. The
Event Hubs credentials the task needs are kept encrypted on the row until the task has run, then wiped; the
recording holds shapes only.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from connections.flowservice import FieldMapping, contract
from connections.flowservice.contract import GUESSES, DataflowInputs, JourneyInputs
from connections.models import GoLiveCheck

from . import caps, contract_check
from .lease import Lease, cannot_be_running, kept_alive, stale_after
from .remote import enqueue_with_claim

log = logging.getLogger(__name__)
State = GoLiveCheck.State

# What to do about a guess, by verdict (a guess not exercised says why instead).
ADVICE = {
    "confirmed": "Nothing: Adobe answered as the app expects.",
    "refuted": "Send us the recording: Adobe answered otherwise than the app expects, so this part may fail in "
    "your organisation until the app is corrected.",
}


@dataclass(frozen=True)
class GoLiveRequest:
    """What a superuser asks the check to use. Without the three Event Hubs credentials it uses credentials Azure
    refuses (and records Adobe's refusals); without a schema the dataflow steps are skipped."""

    sandbox_name: str
    namespace: str = ""
    sas_key_name: str = ""
    sas_key: str = field(default="", repr=False)
    event_hub: str = ""
    schema: str = ""
    mappings: tuple[tuple[str, str], ...] = ()

    @property
    def payload(self) -> dict[str, Any]:
        """What the task needs beyond the sandbox, stored encrypted until it has run."""
        return {key: value for key, value in asdict(self).items() if key != "sandbox_name"}


def start(request: GoLiveRequest, *, actor: Any) -> GoLiveCheck:
    """Record the check and hand it to a task in the same transaction; the row as it stands (done already with
    the immediate backend)."""
    with transaction.atomic():
        check = GoLiveCheck.objects.create(
            actor=actor, sandbox_name=request.sandbox_name, payload=json.dumps(request.payload)
        )
        enqueue_with_claim(
            caps.placed(check_in_background, actor), str(check.pk), work=GoLiveCheck.objects.filter(pk=check.pk)
        )
    return GoLiveCheck.objects.get(pk=check.pk)


@task
def check_in_background(check_id: str) -> str:
    """The background task: record the journey, compare it with the emulator, keep the verdicts; the final state."""
    pk = int(check_id)
    held = _claim(pk)
    if held is None:
        return str(GoLiveCheck.objects.values_list("state", flat=True).get(pk=pk))  # delivered twice: run once
    check = GoLiveCheck.objects.get(pk=pk)
    try:
        with kept_alive(held):  # the journey makes some thirty calls
            outcome, state = _checked(check), State.DONE
    except Exception:
        log.exception("The go-live check %s stopped unexpectedly", check.public_id)
        outcome = {"problem": "The check stopped unexpectedly; the task worker's log says why. Try again."}
        state = State.FAILED
    GoLiveCheck.objects.filter(pk=pk).update(
        state=state, payload="", finished_at=timezone.now(), lease_expires_at=None, **outcome
    )
    return str(state)


def _claim(pk: int) -> Lease | None:
    """QUEUED → RECORDING with its lease, once: a task delivered twice runs the check once."""
    expires_at = timezone.now() + stale_after()
    if not GoLiveCheck.objects.filter(pk=pk, state=State.QUEUED).update(
        state=State.RECORDING, lease_expires_at=expires_at
    ):
        return None
    return Lease(GoLiveCheck.objects.filter(pk=pk, state__in=GoLiveCheck.PENDING), expires_at)


def recovered(check: GoLiveCheck) -> GoLiveCheck:
    """The check, failed first if its task cannot be running any more (its worker died, or the queue lost it)."""
    if not check.pending or not cannot_be_running(check, claimed_at=check.created_at):
        return check
    stopped = (
        "The check stopped without finishing: its task worker stopped. What it created may be left in the sandbox: "
        f"delete what is named {check.object_name or 'contract-check <date> <random>'} in Sources › Accounts and "
        "Datasets, then start another check."
    )
    GoLiveCheck.objects.filter(pk=check.pk, state=check.state, lease_expires_at=check.lease_expires_at).update(
        state=State.FAILED, payload="", problem=stopped, finished_at=timezone.now(), lease_expires_at=None
    )
    return GoLiveCheck.objects.select_related("actor").get(pk=check.pk)


def _checked(check: GoLiveCheck) -> dict[str, Any]:
    """Run the journey against the configured organisation, then compare it with a fresh emulator."""
    inputs = _journey_inputs(check)
    rows = GoLiveCheck.objects.filter(pk=check.pk)
    rows.update(recorded_by=contract_check.recorded_by(), object_name=inputs.name)
    seen: list[dict[str, Any]] = []

    def progress(step: dict[str, Any]) -> None:
        seen.append({"step": step["step"], "status": step.get("status"), "skipped": step.get("skipped", "")})
        rows.update(steps_done=seen)

    recording = contract_check.record(check.sandbox_name, inputs, on_step=progress)
    rows.update(state=State.COMPARING, payload="")  # the credentials are not needed any more
    report = contract_check.report(recording)
    return {"recording": contract.dump(recording), "differences": report.differences, "verdicts": verdict_rows(report)}


def _journey_inputs(check: GoLiveCheck) -> JourneyInputs:
    asked = json.loads(check.payload or "{}")
    mappings = tuple(FieldMapping(source, destination) for source, destination in asked.get("mappings", []))
    dataflow = DataflowInputs(asked["schema"], mappings) if asked.get("schema") else None
    return contract_check.journey_inputs(
        namespace=asked.get("namespace", ""),
        sas_key_name=asked.get("sas_key_name", ""),
        sas_key=asked.get("sas_key", ""),
        event_hub=asked.get("event_hub", ""),
        dataflow=dataflow,
    )


def verdict_rows(report: contract_check.Report) -> list[dict[str, Any]]:
    """The report's verdict on each guess, with what Adobe answered at its steps and what to do about it."""
    steps = {step["step"]: step for step in report.recording.get("steps", [])}
    rows = []
    for guess, (what, verdict, said) in zip(GUESSES, report.verdicts, strict=True):
        mine = [steps[name] for name in guess.steps if name in steps]
        rows.append(
            {
                "guess": what,
                "verdict": verdict,
                "answered": [_answered(step) for step in mine],
                "differences": said,
                "advice": ADVICE.get(verdict) or _why_not_exercised(mine),
            }
        )
    return rows


def _answered(step: dict[str, Any]) -> str:
    """One step's answers in words: `pause flow again: POST 400, then GET 200`."""
    label = str(step["step"]).replace("_", " ")
    if "skipped" in step:
        return f"{label}: not asked ({step['skipped']})"
    answers = step.get("answers") or [step]
    said = ", then ".join(f"{a.get('method', '')} {a.get('status') or 'no answer'}".strip() for a in answers)
    return f"{label}: {said}"


def _why_not_exercised(steps: list[dict[str, Any]]) -> str:
    reasons = {str(step.get("skipped")) for step in steps if "skipped" in step}
    if reasons == {contract.NO_SCHEMA}:
        return "Run the check again with a schema and a mapping onto one of its fields: the dataflow steps need them."
    if reasons:
        return "An earlier step was refused (see the differences below): fix its cause, or send us the recording."
    return "This check did not reach these steps: send us the recording."
