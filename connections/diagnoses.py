"""Why a connection test failed, as one sentence and one action next to the field at fault.

Adobe's test answers only `{"result": true|false}` (no reason). The reason comes from Adobe's explore
answer `1308-400`, "The request could not be processed. Error message: {msftErrorMessage}", which
relays Azure's own words. Those words only choose the sentence; the decision that the test failed is
made from the answer's structure. What a user sees for each cause: the README, "When the connection test fails".
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from .log_filters import mask

AZURE_RELAY_CODE = "1308-400"
RELAY_PREFIX = "The request could not be processed. Error message: "
# Azure appends "TrackingId:…, SystemTracker:…, Timestamp:…" to its messages: noise for a person.
TRACKING_TAIL = re.compile(r"[\s,.]*TrackingId:.*$", re.IGNORECASE | re.DOTALL)
AADSTS_CODE = re.compile(r"AADSTS(\d+)")
SAS_KEY_PLACE = "your namespace › Settings › Shared access policies"


@dataclass(frozen=True)
class Diagnosis:
    """One failed check explained: `field` is the form field at fault ("" when none can be named)."""

    key: str
    sentence: str
    action: str
    field: str = ""
    details: str = ""  # Azure's (or Adobe's) own words, shown behind "Details"
    recognised: bool = True
    rights: bool = False  # the credentials work; only a right or a role is missing

    def __post_init__(self) -> None:
        # Azure's words pass through Adobe unchecked: a token or key quoted in them is never shown or kept.
        object.__setattr__(self, "details", mask(self.details))

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Diagnosis | None:
        if not data:
            return None
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


def azure_words(adobe_message: str) -> str:
    """Azure's text inside Adobe's relay, without Adobe's prefix and Azure's tracking tail."""
    text = adobe_message.removeprefix(RELAY_PREFIX)
    return TRACKING_TAIL.sub("", text).strip()


@dataclass(frozen=True)
class _Rule:
    key: str
    needles: tuple[str, ...]
    field: str
    sentence: str
    action: str


_ENTRA_SECRET_PLACE = "In Azure, open the app registration › Certificates & secrets"
_RULES = (
    _Rule(
        "entra_secret_id",
        ("aadsts7000215",),
        "client_secret_value",
        "Microsoft Entra ID did not accept the client secret: this is usually the secret's ID pasted instead of "
        "its Value.",
        f"{_ENTRA_SECRET_PLACE} and copy the secret's Value column (shown only when the secret is created; if it "
        "is hidden, create a new secret).",
    ),
    _Rule(
        "entra_secret_expired",
        ("aadsts7000222",),
        "client_secret_value",
        "The client secret has expired.",
        f"{_ENTRA_SECRET_PLACE}, create a new client secret and paste its Value here.",
    ),
    _Rule(
        "entra_unknown_app",
        ("aadsts700016",),
        "client_id",
        "Microsoft Entra ID has no application with this client ID in this directory.",
        "Copy the Application (client) ID from the app registration's Overview page; if it is right, check that "
        "the tenant ID is the directory where the app is registered.",
    ),
    _Rule(
        "entra_unknown_tenant",
        ("aadsts90002",),
        "tenant_id",
        "Microsoft Entra ID cannot find this directory (tenant).",
        "Copy the Directory (tenant) ID from the app registration's Overview page (a GUID, or the tenant's "
        "domain such as contoso.onmicrosoft.com).",
    ),
    _Rule(
        "entra_malformed_tenant",
        ("aadsts900023",),
        "tenant_id",
        "The tenant ID is not in a valid form: it is neither a directory ID nor a domain.",
        "Copy the Directory (tenant) ID from the app registration's Overview page.",
    ),
    _Rule(
        "entra_app_disabled",
        ("aadsts7000112",),
        "client_id",
        "This application is disabled in Microsoft Entra ID.",
        "Ask your Azure administrator to enable the app registration.",
    ),
    _Rule(
        "entra_no_secret",
        ("aadsts7000218", "aadsts900144"),
        "client_secret_value",
        "No client secret reached Microsoft Entra ID.",
        "Paste the client secret's Value.",
    ),
    _Rule(
        "namespace_unknown",
        (
            "no such host is known",
            "enotfound",
            "name or service not known",
            "nodename nor servname",
            "servicecommunicationerror",
        ),
        "namespace",
        "There is no Event Hubs namespace with this name.",
        "Check the namespace name in the Azure portal (Event Hubs › your namespace › Overview: the part before "
        ".servicebus.windows.net).",
    ),
    _Rule(
        "sas_token_expired",
        ("expiredtoken", "the token is expired", "40106"),
        "sas_key",
        "The shared access signature has expired.",
        "Paste the policy's Primary key (a key never expires), not a ready-made SAS token.",
    ),
    _Rule(
        "sas_signature",
        ("invalidsignature", "invalid signature", "40103", "invalid authorization token signature"),
        "sas_key",
        "Azure did not accept the SAS key for this SAS key name: the key, or the key name, does not match.",
        f"In the Azure portal, open {SAS_KEY_PLACE}, pick the policy whose name you typed as SAS key name, and "
        "copy its Primary key (the whole value, no spaces).",
    ),
    _Rule(
        "listen_missing",
        ("'listen' claim", "listen claim"),
        "sas_key_name",
        "Azure accepted the key, but its policy has no Listen right, so Adobe cannot read events.",
        "Use a shared access policy with Listen (and Manage, to list the event hubs), or add Listen to this one.",
    ),
    _Rule(
        "entra_no_role",
        ("has no role",),
        "client_id",
        "Microsoft Entra ID signed the app in, but it has no Azure role that lets it read events.",
        "In Azure, assign Azure Event Hubs Data Receiver (or Data Owner) to the app on the namespace or the event hub.",
    ),
)
_HUB = _Rule(
    "event_hub_unknown",
    ("could not be found", "messagingentitynotfound", "status-code: 404"),
    "auth_event_hub_name",
    "This namespace has no event hub with that name.",
    "Check the spelling of the event hub name in the Azure portal (your namespace › Entities › Event Hubs).",
)
_CONSUMER_GROUP = _Rule(
    "consumer_group_unknown",
    (),
    "consumer_group",
    "This event hub has no consumer group with that name.",
    "Create the consumer group on the event hub in Azure (your event hub › Consumer groups), or type an existing one.",
)
_MANAGE_MISSING = _Rule(
    "listing_forbidden",
    ("manage,entityread", "requires manage", "manage rights", "data owner"),
    "",
    "Your credentials work, but they may not list the event hubs in this namespace, so the app cannot show them. "
    "This does not stop the connection.",
    "Type the event hub name, or use a namespace policy with Manage (SAS) or give the app Azure Event Hubs Data "
    "Owner on the namespace (Microsoft Entra ID) to see the list.",
)


def _found(rule: _Rule, details: str, *, field: str | None = None, rights: bool = False) -> Diagnosis:
    return Diagnosis(
        rule.key, rule.sentence, rule.action, rule.field if field is None else field, details, rights=rights
    )


def _entity(text: str, lowered: str, hub_field: str) -> Diagnosis | None:
    if not any(needle in lowered for needle in _HUB.needles):
        return None
    if "|" in text or "/consumergroups/" in lowered:
        return _found(_CONSUMER_GROUP, text)
    return _found(_HUB, text, field=hub_field)


def diagnose_refusal(adobe_message: str, *, hub_field: str = "auth_event_hub_name") -> Diagnosis:
    """The diagnosis for Azure's words relayed in Adobe's 1308-400 after a failed test (first match wins).

    `hub_field` names the form field that holds the event hub (scoped credentials: the account's).
    Rights are blamed only for the kinds of message Azure gives after the credentials were accepted.
    """
    text = azure_words(adobe_message)
    lowered = text.lower()
    codes = {f"aadsts{number}" for number in AADSTS_CODE.findall(text)}
    for rule in _RULES[:7]:  # Entra ID's codes are unambiguous (compared whole: 90002 is not 900023): first
        if codes & set(rule.needles):
            return _found(rule, text)
    if (code := AADSTS_CODE.search(text)) is not None:
        return Diagnosis(
            "entra_other",
            "Microsoft Entra ID refused the sign-in (its code is under Details).",
            f"Look the code up at https://login.microsoftonline.com/error?code={code.group(1)} (Microsoft's own "
            "page), then correct the field it points to.",
            details=text,
        )
    for rule in _RULES[7:9]:
        if any(needle in lowered for needle in rule.needles):
            return _found(rule, text)
    if (entity := _entity(text, lowered, hub_field)) is not None:
        return entity
    for rule in _RULES[9:]:
        if any(needle in lowered for needle in rule.needles):
            return _found(rule, text, rights=rule.key != "sas_signature")
    return unrecognised(text, azure=True)


def diagnose_listing(adobe_message: str) -> Diagnosis | None:
    """After a PASSED test: why the event hubs could not be listed (Manage rights or Data Owner), if that is it."""
    text = azure_words(adobe_message)
    if any(needle in text.lower() for needle in _MANAGE_MISSING.needles):
        return _found(_MANAGE_MISSING, text, rights=True)
    return None


def unrecognised(said: str, *, azure: bool = False) -> Diagnosis:
    """An answer the app does not recognise: said honestly, with the words shown."""
    who = "Azure refused the connection" if azure else "Adobe answered"
    return Diagnosis(
        "unrecognised",
        f"{who} for a reason this app does not recognise; the words are under Details.",
        "Check the details with your Azure administrator, then correct the field they point to and submit again.",
        details=said,
        recognised=False,
    )


def no_reason() -> Diagnosis:
    """Adobe's test said false and nothing else told why (its documented answer carries no reason)."""
    return Diagnosis(
        "no_reason",
        "Adobe tested the connection and it failed, but Adobe gave no reason.",
        "Check the namespace and the credentials (each field's help says where Azure shows it), then submit again.",
    )


def could_not_test(message: str, *, transient: bool) -> Diagnosis:
    """Adobe did not run the test (an error answer): not a verdict on the credentials."""
    action = "Test again (it repeats the same details)." if transient else "Correct what the message names."
    return Diagnosis("not_tested", message, action, recognised=True)
