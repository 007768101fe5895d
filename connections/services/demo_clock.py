"""The demo's fast-forward: on the local emulator only, its clock an hour on, then the dataflow's activity read again.

Records arrive on the emulator's clock, which follows real time, and Adobe counts them in hourly runs: a person
trying the demo would wait an hour to see a run end. The emulator answers one control of its own for that,
with or without its test controls (docs/emulator.md): the clock an hour on, never back. Adobe's clock cannot be
moved, so nothing here is offered (or done) unless every Flow Service call goes to the local emulator.

The press is a read of the activity (a remote action of that kind): its task moves the clock, then asks for the
activity as any read does, so the page shows the new records as soon as the task is done.
"""

from __future__ import annotations

from typing import Any

from django.tasks import task

from connections.messages import Problem
from connections.models import ActionResult, Dataflow, RemoteAction
from connections.target import FlowServiceTarget, flow_service_target

from . import actions
from .dataflow_choices import ACTIVITY, activity_in_background
from .errors import OnboardingError

NEXT_HOUR_PATH = "/__emulator__/demo/next-hour"
NOT_OFFERED = "Only the local emulator's clock can be moved on; Adobe's follows real time."
# What makes this read differ from a page's own (a pending one of those is not joined: it would not move the clock).
FAST_FORWARD = {"then": "the emulator's clock an hour on"}


def offered() -> bool:
    """Whether the app talks to the local emulator, whose clock may be moved on."""
    return flow_service_target().offers_demo_clock


def dataflow_start_fast_forward(*, dataflow: Dataflow, actor: Any) -> RemoteAction:
    """Move the emulator's clock an hour on, then read the dataflow's activity again (a background task)."""
    if not offered():
        raise OnboardingError.refused(NOT_OFFERED)
    if not dataflow.is_created:
        raise OnboardingError.refused("The dataflow does not exist in Adobe yet.")
    return actions.start(
        ACTIVITY,
        fast_forward_task,
        onboarding=dataflow.onboarding,
        dataflow=dataflow,
        actor=actor,
        payload=FAST_FORWARD,
    )


@task
def fast_forward_task(action_id: str) -> str:
    return actions.run(action_id, _fast_forward_in_background)


def _fast_forward_in_background(run: actions.ActionRun) -> ActionResult:
    next_hour(flow_service_target())
    return activity_in_background(run)


def next_hour(target: FlowServiceTarget) -> None:
    """Ask the local emulator to move its clock an hour on; refused against anything else."""
    if not target.offers_demo_clock:
        raise OnboardingError.refused(NOT_OFFERED)
    # Imported here, not above: only the task worker loads the HTTP stack.
    import requests

    try:
        answer = requests.post(target.emulator_url + NEXT_HOUR_PATH, timeout=5)
    except requests.RequestException:
        answer = None
    if answer is None or answer.status_code != 200:
        raise OnboardingError(
            Problem(
                title="The emulator's clock did not move",
                message=f"The local emulator at {target.emulator_url} did not move its clock on "
                f"({'no answer' if answer is None else f'HTTP {answer.status_code}'}). Is it running? "
                "make run starts it.",
            )
        )
