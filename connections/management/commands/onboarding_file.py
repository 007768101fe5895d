"""An onboarding as a file, for those who script it: export one, or import a file into another sandbox."""

from __future__ import annotations

import json
import sys
import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from connections.models import Dataflow, Onboarding
from connections.services import OnboardingError
from connections.services.portable import (
    FileProblems,
    ImportResult,
    as_yaml,
    link_copy,
    onboarding_export_document,
    onboarding_import_document,
    onboarding_import_plan,
    origin_of,
    read_document,
)

BAD_INPUT = 2  # the exit status of a file or target the import refuses, as argparse uses for bad arguments


class Command(BaseCommand):
    help = (
        "Export an onboarding with its dataflows as a JSON document (no secret, no Adobe id), or import such a "
        "document into a sandbox on an account already connected there. The import checks the file and the "
        "sandbox before it creates anything, and creates nothing a second time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser("export", help="Write the onboarding's document to standard output.")
        export.add_argument("public_id", help="The onboarding's reference (its public id).")
        export.add_argument("--yaml", action="store_true", help="Write YAML instead of JSON.")
        into = actions.add_parser("import", help="Create the file's dataflows in a sandbox.")
        into.add_argument(
            "file", help="The document: JSON, or YAML if its name ends .yaml or .yml; - reads JSON from standard input."
        )
        into.add_argument("--sandbox", required=True, help="The sandbox to create the dataflows in.")
        into.add_argument(
            "--account",
            required=True,
            help="The public id of an onboarding connected in that sandbox: its credentials and base connection "
            "are reused, and the dataflows become its own.",
        )
        into.add_argument("--owner", required=True, help="The username of the account's owner, who imports.")
        into.add_argument(
            "--check",
            action="store_true",
            help="Check the file and the sandbox and say what the import would do; create nothing.",
        )
        into.add_argument(
            "--consumer-group",
            action="append",
            default=[],
            metavar="HUB=GROUP",
            help="Read the event hub HUB with the consumer group GROUP instead of the file's (repeatable).",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "export":
            self._export(options["public_id"], yaml=options["yaml"])
            return
        try:
            self._import(options)
        except FileProblems as problems:
            numbered = "\n".join(f"  {n}. {problem}" for n, problem in enumerate(problems.problems, 1))
            raise CommandError(f"{problems.heading}:\n{numbered}", returncode=BAD_INPUT) from None
        except OnboardingError as refused:
            raise CommandError(refused.message, returncode=BAD_INPUT) from None

    def _export(self, public_id: str, *, yaml: bool) -> None:
        onboarding = _onboarding(public_id)
        try:
            document = onboarding_export_document(onboarding)
        except OnboardingError as refused:
            raise CommandError(refused.message) from None
        self.stdout.write(as_yaml(document) if yaml else json.dumps(document, indent=2, ensure_ascii=False))

    def _import(self, options: dict[str, Any]) -> None:
        owner = get_user_model().objects.filter(username=options["owner"]).first()
        if owner is None:
            raise CommandError(f"There is no user {options['owner']}.", returncode=BAD_INPUT)
        name = options["file"]
        document = read_document(_read(name), as_yaml=name.endswith((".yaml", ".yml")))
        target = {
            "account": _onboarding(options["account"], owner=owner),
            "sandbox": options["sandbox"],
            "actor": owner,
            "consumer_groups": _groups(options["consumer_group"]),
        }
        if options["check"]:
            plan = onboarding_import_plan(document, **target)
            self.stdout.write("\n".join(plan.describe()))
            checked = f"The file can be imported into {options['sandbox']}; nothing was created."
            self.stdout.write(self.style.SUCCESS(checked))
            return
        result = onboarding_import_document(document, **target)
        # A file written from an onboarding the owner may open is linked to it, as on the import page.
        origin = origin_of(document, visible=Onboarding.objects.visible_to(owner))
        link_copy(origin, copy=target["account"], run=result.run, actor=owner)
        self._report(result)

    def _report(self, result: ImportResult) -> None:
        for dataflow in result.created:
            self.stdout.write(f"Created: {dataflow.name} ({dataflow.get_status_display()})")
        for dataflow in result.resumed:
            self.stdout.write(f"Retried: {dataflow.name} ({dataflow.get_status_display()})")
        for dataflow in result.already_there:
            self.stdout.write(f"Already there, unchanged: {dataflow.name} ({dataflow.get_status_display()})")
        failed = [d for d in result.created + result.resumed if d.status == Dataflow.Status.FAILED]
        if failed:
            said = " ".join(f"{d.name}: {(d.last_error or {}).get('message', '')}" for d in failed)
            raise CommandError(f"{len(failed)} dataflow(s) failed; run the same import again to retry. {said}")
        self.stdout.write(self.style.SUCCESS(f"Import {result.run}: {len(result.created)} dataflow(s) created."))


def _onboarding(public_id: str, *, owner: Any = None) -> Onboarding:
    try:
        wanted = uuid.UUID(public_id)
    except ValueError:
        raise CommandError(f"{public_id} is not an onboarding's reference.", returncode=BAD_INPUT) from None
    onboardings = Onboarding.objects.visible_to(owner) if owner is not None else Onboarding.objects.all()
    found = onboardings.filter(public_id=wanted).first()
    if found is None:
        raise CommandError(f"No onboarding {public_id}{' of ' + str(owner) if owner else ''}.", returncode=BAD_INPUT)
    return found


def _read(path: str) -> str:
    try:
        if path == "-":
            return sys.stdin.read()
        with open(path, encoding="utf-8") as file:
            return file.read()
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"The file cannot be read: {error}", returncode=BAD_INPUT) from None


def _groups(pairs: list[str]) -> dict[str, str]:
    groups = {}
    for pair in pairs:
        hub, _, group = pair.partition("=")
        if not hub or not group:
            raise CommandError(f"--consumer-group takes HUB=GROUP, not {pair}.", returncode=BAD_INPUT)
        groups[hub] = group
    return groups
