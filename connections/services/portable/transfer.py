"""The onboarding file in the app's pages: writing one, checking an import against the target sandbox, and the
import run, each a remote action (services/actions.py), since a page never waits on Adobe.

An import is asked in two steps. The check reads the target sandbox and keeps, in its result, the document it
checked, what the import would do and what the sandbox lacks; nothing is created. The import then starts from a
check that passed, with the very document the person saw planned, and checks it once more before it creates
anything (the sandbox may have changed meanwhile). Copy to another sandbox is the same two steps with the
document written from an onboarding of the app, and links the two once the import has run.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.tasks import task

from connections.models import ActionResult, Dataflow, Onboarding, OnboardingCopy, RemoteAction
from connections.services import actions
from connections.services.errors import OnboardingError

from .document import FileProblems, onboarding_export_document
from .importing import onboarding_import_document, onboarding_import_plan

Kind = RemoteAction.Kind


# Writing the file


def start_export(*, onboarding: Onboarding, actor: Any, as_yaml: bool = False) -> RemoteAction:
    """Write the onboarding's file in the background (a dataflow on an existing dataset has its name read from
    Catalog); the result keeps the document for its download."""
    payload = {"yaml": True} if as_yaml else {"json": True}
    return actions.start(Kind.EXPORT, export_task, onboarding=onboarding, actor=actor, payload=payload)


@task
def export_task(action_id: str) -> str:
    return actions.run(action_id, _export)


def _export(run: actions.ActionRun) -> ActionResult:
    document = onboarding_export_document(run.onboarding, actor=run.actor)
    return ActionResult(answer={"document": document, "yaml": bool(run.payload.get("yaml"))})


# Checking the target sandbox


def start_import_check(
    *,
    account: Onboarding,
    actor: Any,
    sandbox: str,
    consumer_groups: dict[str, str],
    document: dict[str, Any] | None = None,
    source: Onboarding | None = None,
    label: str = "",
) -> RemoteAction:
    """Check, in the background, what importing `document` (read and checked by `read_document`), or the file of
    the onboarding `source` (Copy to another sandbox), on `account` in `sandbox` would do. Nothing is created."""
    if source is not None and source.pk == account.pk:
        raise OnboardingError.refused("Choose another account than the onboarding copied.", field="account")
    payload: dict[str, Any] = {"sandbox": sandbox, "groups": consumer_groups, "label": label}
    payload |= {"source": str(source.public_id)} if source is not None else {"document": document}
    return actions.start(Kind.IMPORT_CHECK, import_check_task, onboarding=account, actor=actor, payload=payload)


@task
def import_check_task(action_id: str) -> str:
    return actions.run(action_id, _check)


def _check(run: actions.ActionRun) -> ActionResult:
    asked = {key: run.payload.get(key) for key in ("sandbox", "groups", "label", "source")}
    run.keep.update(asked)
    document = run.payload.get("document") or _source_document(run.payload["source"], actor=run.actor)
    try:
        plan = onboarding_import_plan(
            document,
            account=run.onboarding,
            sandbox=asked["sandbox"] or "",
            actor=run.actor,
            consumer_groups=asked["groups"] or {},
        )
    except FileProblems as lacking:
        return _lacking(lacking, sandbox=asked["sandbox"])
    retried = [d for d in plan.there if d.status == Dataflow.Status.FAILED]
    said = f"{len(plan.new)} dataflow(s) to create in {asked['sandbox']}, {len(retried)} to retry"
    return ActionResult(
        message=f"{said}, {len(plan.there) - len(retried)} there already.",
        answer={"document": document, "plan": plan.describe(), "to_create": len(plan.new), "to_retry": len(retried)},
    )


def _lacking(lacking: FileProblems, *, sandbox: Any) -> ActionResult:
    """What the target sandbox lacks: the page lists it; the onboarding's recent requests say how much."""
    return ActionResult(
        message=f"The sandbox {sandbox} lacks {len(lacking.problems)} thing(s) the file needs; nothing was created.",
        answer={"heading": lacking.heading, "problems": lacking.problems},
    )


def _source_document(public_id: str, *, actor: Any) -> dict[str, Any]:
    source = Onboarding.objects.filter(public_id=public_id).first()
    if source is None:
        raise OnboardingError.refused("The onboarding to copy no longer exists.")
    return onboarding_export_document(source, actor=actor)


# The import run


def start_import(*, check: RemoteAction, actor: Any) -> RemoteAction:
    """Import the document a finished check planned, on the check's account, as one run."""
    checked = check.outcome.answer
    if check.kind != Kind.IMPORT_CHECK or check.pending or check.failed or "document" not in checked:
        raise OnboardingError.refused("Check the file against the target sandbox first; this check did not pass.")
    said = check.result or {}
    payload = {key: said.get(key) for key in ("sandbox", "groups", "label", "source")}
    payload |= {"document": checked["document"], "check": str(check.public_id)}
    # Not while the account's connections change in Adobe (new credentials, a deletion): the dataflows go on them.
    return actions.start(
        Kind.IMPORT,
        import_task,
        onboarding=check.onboarding,
        actor=actor,
        payload=payload,
        apart_from=RemoteAction.CHANGES_IN_ADOBE,
    )


@task
def import_task(action_id: str) -> str:
    return actions.run(action_id, _import)


def _import(run: actions.ActionRun) -> ActionResult:
    asked = {key: run.payload.get(key) for key in ("sandbox", "groups", "label", "source", "check")}
    run.keep.update(asked)
    try:
        result = onboarding_import_document(
            run.payload["document"],
            account=run.onboarding,
            sandbox=asked["sandbox"] or "",
            actor=run.actor,
            consumer_groups=asked["groups"] or {},
        )
    except FileProblems as lacking:
        return _lacking(lacking, sandbox=asked["sandbox"])
    if asked["source"]:
        _link(asked["source"], copy=run.onboarding, run=result.run, actor=run.actor)
    made = {
        "run": result.run,
        "created": _named(result.created),
        "resumed": _named(result.resumed),
        "already_there": _named(result.already_there),
    }
    counts = f"{len(result.created)} created, {len(result.resumed)} retried, {len(result.already_there)} there already"
    return ActionResult(message=f"Import {result.run}: {counts}.", answer=made)


def _named(dataflows: list[Dataflow]) -> list[dict[str, str]]:
    """Each dataflow's name and reference, for the result page to link to its page."""
    return [{"name": d.name, "public_id": str(d.public_id)} for d in dataflows]


def _link(source_id: str, *, copy: Onboarding, run: str, actor: Any) -> None:
    """The original and its copy, linked once (a second copy between the same two keeps the first link)."""
    original = Onboarding.objects.filter(public_id=source_id).first()
    if original is None or original.pk == copy.pk:
        return
    try:
        with transaction.atomic():
            OnboardingCopy.objects.get_or_create(original=original, copy=copy, defaults={"run": run, "actor": actor})
    except IntegrityError:
        pass  # linked meanwhile by an import running at the same time
