"""An onboarding as a file: its dataflows exported as a plain, versioned document, and imported into another
sandbox (or organisation) on an account already connected there.

Modules: document (the format, its JSON Schema and the export), checks (what the target sandbox must hold before
anything is created), importing (the run that creates what the file describes, once), transfer (the same as
remote actions, for the pages), linked (copies made by Copy to another sandbox, compared).
"""

from __future__ import annotations

from .document import (
    FORMAT,
    VERSION,
    FileProblems,
    as_yaml,
    onboarding_export_document,
    origin_of,
    read_document,
)
from .importing import ImportPlan, ImportResult, Planned, onboarding_import_document, onboarding_import_plan
from .linked import LinkedCopy, link_copy, linked_copies
from .transfer import start_export, start_import, start_import_check, start_import_check_on_new_account

__all__ = [
    "FORMAT",
    "VERSION",
    "FileProblems",
    "ImportPlan",
    "ImportResult",
    "LinkedCopy",
    "Planned",
    "as_yaml",
    "link_copy",
    "linked_copies",
    "onboarding_export_document",
    "onboarding_import_document",
    "onboarding_import_plan",
    "origin_of",
    "read_document",
    "start_export",
    "start_import",
    "start_import_check",
    "start_import_check_on_new_account",
]
