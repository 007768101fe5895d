"""Services: the only code that changes an onboarding's status or talks to Adobe for it.

- base: the inputs, the errors, the state transitions, the credentials;
- wizard: the steps (account, base connection, source, source connection), retry and recovery;
- connection_test: Adobe's connection test as named checks, and the event hub list;
- credentials: replacing a base connection's credentials, reloading it after a 412.
"""

from __future__ import annotations

from .base import (
    CREDENTIAL_FIELDS,
    FIELDS_BY_AUTH,
    SECRET_FIELDS,
    Account,
    Check,
    Credentials,
    OnboardingError,
    Source,
    StaleConnectionError,
    auth_for,
    consumer_group_holder,
    source_params_for,
    stale_after,
)
from .connection_test import onboarding_test_connection
from .credentials import Replacement, onboarding_reload_base_connection, onboarding_replace_credentials
from .wizard import (
    onboarding_create_base_connection,
    onboarding_create_source_connection,
    onboarding_recover,
    onboarding_retry,
    onboarding_save_source,
    onboarding_start,
    onboarding_update_account,
)

__all__ = [
    "CREDENTIAL_FIELDS",
    "FIELDS_BY_AUTH",
    "SECRET_FIELDS",
    "Account",
    "Check",
    "Credentials",
    "OnboardingError",
    "Replacement",
    "Source",
    "StaleConnectionError",
    "auth_for",
    "consumer_group_holder",
    "onboarding_create_base_connection",
    "onboarding_create_source_connection",
    "onboarding_recover",
    "onboarding_reload_base_connection",
    "onboarding_replace_credentials",
    "onboarding_retry",
    "onboarding_save_source",
    "onboarding_start",
    "onboarding_test_connection",
    "onboarding_update_account",
    "source_params_for",
    "stale_after",
]
