"""Services: the only code that changes an onboarding's status or talks to Adobe for it.

Views call the functions below with typed inputs and get an Onboarding (or a result) back.
A request the rules refuse, or a failed call whose answer the page shows at once, raises
OnboardingError carrying the Problem to show; a failed wizard step is kept on the onboarding
(its status and `last_error`), so it survives a reload and Retry repeats only that step.

Modules: inputs (what services take), errors (how they fail), transitions (status moves),
credentials (setting and replacing them), wizard (the steps), connection_test (named checks and their
diagnosis), lifecycle (going on anyway, editing the source, archiving), deletion (a dataflow, or an account with
its dataflows, deleted in Adobe step by step), actions (what a user
asks of Adobe outside the wizard's creates, run by a background task while the page shows progress), dataflow
and dataflow_choices (a dataflow's creates, and the reads and checks before them), demo_clock (the local
emulator's fast-forward, offered only against it), hubs (several event hubs ticked at once, each with its
dataflow, the dataset and mapping shared where the events match), remote (how work is handed to a task), sweep
(settling what a dead task left), portable (an onboarding as a file: export, and import into another sandbox;
imported where used, as it loads the file format's schema and parsers), contract_check (the contract check with
the app's settings, for `flowservice_check --contract` and go_live), go_live (the contract check run from the admin
in a task).
"""

from __future__ import annotations

from . import actions, dataflow, dataflow_choices
from .connection_test import onboarding_start_test, onboarding_test_connection
from .credentials import (
    Replacement,
    onboarding_reload_base_connection,
    onboarding_replace_credentials,
    onboarding_start_reload,
    onboarding_start_replacement,
)
from .deletion import onboarding_delete_in_adobe, onboarding_start_delete
from .errors import OnboardingError, StaleConnectionError
from .inputs import Account, Credentials, Source
from .lifecycle import (
    onboarding_archive,
    onboarding_go_on_anyway,
    onboarding_start_source_reload,
    onboarding_start_source_update,
    onboarding_unarchive,
    onboarding_update_source,
)
from .wizard import (
    onboarding_busy,
    onboarding_connect_account,
    onboarding_recover,
    onboarding_retry,
    onboarding_submit_source,
)

__all__ = [
    "Account",
    "actions",
    "dataflow",
    "dataflow_choices",
    "Credentials",
    "OnboardingError",
    "Replacement",
    "Source",
    "StaleConnectionError",
    "onboarding_archive",
    "onboarding_unarchive",
    "onboarding_busy",
    "onboarding_connect_account",
    "onboarding_delete_in_adobe",
    "onboarding_go_on_anyway",
    "onboarding_recover",
    "onboarding_reload_base_connection",
    "onboarding_replace_credentials",
    "onboarding_retry",
    "onboarding_start_delete",
    "onboarding_start_reload",
    "onboarding_start_replacement",
    "onboarding_start_source_reload",
    "onboarding_start_source_update",
    "onboarding_start_test",
    "onboarding_submit_source",
    "onboarding_test_connection",
    "onboarding_update_source",
]
