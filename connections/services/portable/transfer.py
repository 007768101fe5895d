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

from django.tasks import task

from connections.models import ActionResult, Dataflow, Onboarding, RemoteAction
from connections.services import actions
from connections.services.errors import OnboardingError
from connections.services.inputs import Account
from connections.services.wizard import onboarding_connect_here, onboarding_start

from .document import FileProblems, onboarding_export_document
from .importing import account_source, onboarding_import_document, onboarding_import_plan
from .linked import link_copy

ASKED = ("sandbox", "groups", "label", "source", "connect", "from_file")

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
    connect: bool = False,
) -> RemoteAction:
    """Check, in the background, what importing `document` (read and checked by `read_document`), or the file of
    the onboarding `source` (Copy to another sandbox; with a document, the onboarding the file was written from,
    which the import links), on `account` in `sandbox` would do. Nothing is created.
    `connect`: the account is a draft typed for this import, which the import run connects first."""
    if source is not None and source.pk == account.pk:
        raise OnboardingError.refused("Choose another account than the onboarding copied.", field="account")
    payload: dict[str, Any] = {"sandbox": sandbox, "groups": consumer_groups, "label": label, "connect": connect}
    payload["from_file"] = document is not None
    # A file written from an onboarding of the app's (its origin) carries both: the file is imported, and linked.
    payload |= {"source": str(source.public_id)} if source is not None else {}
    payload |= {"document": document} if document is not None else {}
    return actions.start(Kind.IMPORT_CHECK, import_check_task, onboarding=account, actor=actor, payload=payload)


def start_import_check_on_new_account(
    *, new_account: Account, creation_token: Any, actor: Any, **check: Any
) -> RemoteAction:
    """The check, for an account whose credentials the import page asked for: the wizard's draft is saved (its
    secret encrypted; the form's creation token makes a double submit find the same draft), nothing is created in
    Adobe until the import runs (`_import` connects it first, as the wizard's Account and Source steps). Until then
    no list shows the draft (`OnboardingQuerySet.in_lists`): a check nobody goes on from leaves none behind."""
    draft = onboarding_start(owner=actor, account=new_account, creation_token=creation_token, for_import=True)
    return start_import_check(account=draft, actor=actor, sandbox=new_account.sandbox_name, connect=True, **check)


@task
def import_check_task(action_id: str) -> str:
    return actions.run(action_id, _check)


def _check(run: actions.ActionRun) -> ActionResult:
    asked = {key: run.payload.get(key) for key in ASKED}
    run.keep.update(asked)
    document = run.payload.get("document") or _source_document(run.payload["source"], actor=run.actor)
    try:
        plan = onboarding_import_plan(
            document,
            account=run.onboarding,
            sandbox=asked["sandbox"] or "",
            actor=run.actor,
            consumer_groups=asked["groups"] or {},
            connecting=bool(asked["connect"]),
        )
    except FileProblems as lacking:
        return _lacking(lacking, sandbox=asked["sandbox"])
    retried = [d for d in plan.there if d.status == Dataflow.Status.FAILED]
    said = f"{len(plan.new)} dataflow(s) to create in {asked['sandbox']}, {len(retried)} to retry"
    described = plan.describe()
    if asked["connect"] and not run.onboarding.is_done:
        described.insert(0, _connecting(run.onboarding, document, asked["groups"] or {}))
    return ActionResult(
        message=f"{said}, {len(plan.there) - len(retried)} there already.",
        answer={"document": document, "plan": described, "to_create": len(plan.new), "to_retry": len(retried)},
    )


def _connecting(account: Onboarding, document: dict[str, Any], groups: dict[str, str]) -> str:
    reads = account_source(document, groups)
    team = f" for the team {account.team.name}" if account.team is not None else ""
    return (
        f"Connect the account “{account.name}”{team} in the sandbox {account.sandbox_name} first: its base connection "
        f"(with the credentials you typed, then tested), and its source connection reading the event hub "
        f"{reads.event_hub_name} with the consumer group {reads.consumer_group}."
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
    payload = {key: said.get(key) for key in ASKED}
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
    asked = {key: run.payload.get(key) for key in (*ASKED, "check")}
    run.keep.update(asked)
    account = run.onboarding
    if asked["connect"]:
        account = _connected(account, run.payload["document"], groups=asked["groups"] or {}, actor=run.actor)
    try:
        result = onboarding_import_document(
            run.payload["document"],
            account=account,
            sandbox=asked["sandbox"] or "",
            actor=run.actor,
            consumer_groups=asked["groups"] or {},
        )
    except FileProblems as lacking:
        return _lacking(lacking, sandbox=asked["sandbox"])
    if asked["source"]:
        original = Onboarding.objects.filter(public_id=asked["source"]).first()
        link_copy(original, copy=run.onboarding, run=result.run, actor=run.actor)
    made = {
        "run": result.run,
        "created": _named(result.created),
        "resumed": _named(result.resumed),
        "already_there": _named(result.already_there),
    }
    counts = f"{len(result.created)} created, {len(result.resumed)} retried, {len(result.already_there)} there already"
    return ActionResult(message=f"Import {result.run}: {counts}.", answer=made)


def _connected(account: Onboarding, document: dict[str, Any], *, groups: dict[str, str], actor: Any) -> Onboarding:
    """The account typed for the import, connected (each step once: one done already is skipped); refused, for
    Retry, when a step failed or the new base connection's test did not pass."""
    connected = onboarding_connect_here(onboarding=account, actor=actor, source=account_source(document, groups))
    if connected.is_done:
        return connected
    if connected.account_gated:
        said = connected.diagnosis
        why = f" {said.sentence} {said.action}" if said else ""
        raise OnboardingError.refused(
            f"The connection test of the new account {connected.name} did not pass; nothing else was created.{why} "
            "Correct its credentials (Edit credentials), then Retry."
        )
    error = (connected.last_error or {}).get("message") or connected.get_status_display()
    raise OnboardingError.refused(
        f"Connecting the new account {connected.name} stopped: {error}. Nothing else was created; Retry tries the "
        "failed step alone."
    )


def _named(dataflows: list[Dataflow]) -> list[dict[str, str]]:
    """Each dataflow's name and reference, for the result page to link to its page."""
    return [{"name": d.name, "public_id": str(d.public_id)} for d in dataflows]
