"""A simulated Azure: Event Hubs namespaces, SAS policies, event hubs and Entra ID apps.

Adobe tests a base connection and explores it by talking to Azure; the emulator answers those
calls from this model, loaded from a JSON file (demo_azure.json unless `--azure FILE`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEMO_FILE = Path(__file__).with_name("demo_azure.json")
LISTING_ROLES = {"Azure Event Hubs Data Owner", "Owner", "Contributor"}
READING_ROLES = LISTING_ROLES | {"Azure Event Hubs Data Receiver"}

SecretCheck = Callable[[str, str], bool]  # (stored value, Azure's plain secret) -> equal?


class AzureError(Exception):
    """What Azure would answer when it refuses; Flow Service passes the message on."""


@dataclass(frozen=True)
class Access:
    """What a set of credentials may do in one namespace."""

    namespace: str
    hubs: tuple[str, ...]  # the hubs these credentials can read
    can_list: bool  # Manage rights (SAS) or a data-owner role (Entra ID)


def _tracked(message: str) -> str:
    """Azure's messaging errors end with a tracking tail (a fixed one here: the emulator is deterministic)."""
    tail = "TrackingId:00000000-0000-0000-0000-000000000000_G0, SystemTracker:gateway, Timestamp:2026-01-01T00:00:00"
    return f"{message} {tail}"


def _unknown_tenant(tenant: str) -> str:
    """AADSTS900023 for a tenant that is neither a GUID nor a domain, AADSTS90002 for an unknown one."""
    if not re.fullmatch(r"[0-9a-fA-F-]{36}|[A-Za-z0-9.-]+\.[A-Za-z]{2,}", tenant):
        return (
            f"AADSTS900023: Specified tenant identifier '{tenant}' is neither a valid DNS name, nor a valid "
            "external domain."
        )
    return (
        f"AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are "
        "signing into the correct cloud."
    )


def _host(namespace: str) -> str:
    return f"{namespace}.servicebus.windows.net"


class SimulatedAzure:
    def __init__(self, data: dict[str, Any]) -> None:
        self.namespaces: dict[str, Any] = data.get("namespaces", {})
        self.applications: list[dict[str, Any]] = data.get("applications", [])

    @classmethod
    def load(cls, path: Path | str | None = None) -> SimulatedAzure:
        return cls(json.loads(Path(path or DEMO_FILE).read_text()))

    def test(self, auth: str, params: dict[str, Any], same_secret: SecretCheck) -> bool:
        """True when the credentials reach the namespace (or hub) and may read from it."""
        try:
            access = self.access(auth, params, same_secret)
        except AzureError:
            return False
        return bool(access.hubs)

    def explore(self, auth: str, params: dict[str, Any], same_secret: SecretCheck) -> list[str]:
        """The namespace's event hubs, when the credentials may list them."""
        access = self.access(auth, params, same_secret)
        if not access.can_list:
            raise AzureError(_tracked("Unauthorized: Manage,EntityRead claims required for this operation."))
        return sorted(self.namespaces[access.namespace]["eventHubs"])

    def access(self, auth: str, params: dict[str, Any], same_secret: SecretCheck) -> Access:
        """`auth` is how the credentials authenticate: `sas`, `aad` or `scoped_aad`."""
        namespace = str(params.get("namespace", ""))
        if namespace not in self.namespaces:
            raise AzureError(f"No such host is known. ({_host(namespace)}:443)")
        if auth == "sas":
            return self._sas_access(namespace, params, same_secret)
        if auth in ("aad", "scoped_aad"):
            return self._aad_access(namespace, params, same_secret, scoped=auth == "scoped_aad")
        raise AzureError(f"Unsupported authentication '{auth}'.")

    def reading_problem(self, namespace: str, hub: str, consumer_group: str) -> str | None:
        """Why a reader on this hub and consumer group gets nothing (Azure's words), or None when it can read."""
        if namespace not in self.namespaces:
            return f"No such host is known. ({_host(namespace)}:443)"
        try:
            groups = self._hub(namespace, hub).get("consumerGroups", ["$Default"])
        except AzureError as refusal:
            return str(refusal)
        if consumer_group not in groups:
            entity = f"sb://{_host(namespace)}/{hub}/consumergroups/{consumer_group}"
            return _tracked(f"The messaging entity '{entity}' could not be found.")
        return None

    def missing_hub(self, namespace: str, hub: str) -> str | None:
        """Azure's words when the namespace has no such event hub (a reader's first call fails so), else None."""
        try:
            self._hub(namespace, hub)
        except AzureError as refusal:
            return str(refusal)
        return None

    def _hub(self, namespace: str, hub: str) -> dict[str, Any]:
        hubs = self.namespaces[namespace]["eventHubs"]
        if hub not in hubs:
            raise AzureError(_tracked(f"The messaging entity 'sb://{_host(namespace)}/{hub}' could not be found."))
        return dict(hubs[hub])

    def _sas_access(self, namespace: str, params: dict[str, Any], same_secret: SecretCheck) -> Access:
        ns = self.namespaces[namespace]
        hub_name = params.get("eventHubName") or None
        name, key = str(params.get("sasKeyName", "")), str(params.get("sasKey", ""))
        hub = self._hub(namespace, hub_name) if hub_name else None
        policy = ns["policies"].get(name)
        if policy is None and hub is not None:
            policy = hub.get("policies", {}).get(name)
            scope_hubs: tuple[str, ...] = (hub_name,) if hub_name else ()
            can_list = False  # a hub-level policy never sees the namespace
        else:
            scope_hubs = (hub_name,) if hub_name else tuple(sorted(ns["eventHubs"]))
            can_list = policy is not None and "Manage" in policy["rights"]
        if policy is None or not same_secret(key, policy["key"]):
            raise AzureError(_tracked("Unauthorized: InvalidSignature: The token has an invalid signature."))
        if not ({"Listen", "Manage"} & set(policy["rights"])):
            raise AzureError(_tracked("Unauthorized access. 'Listen' claim(s) are required to perform this operation."))
        return Access(namespace, scope_hubs, can_list and not hub_name)

    def _aad_access(self, namespace: str, params: dict[str, Any], same_secret: SecretCheck, *, scoped: bool) -> Access:
        tenant, client = str(params.get("tenantId", "")), str(params.get("clientId", ""))
        tenant_apps = [a for a in self.applications if tenant in (a["tenantId"], a.get("tenantDomain"))]
        if not tenant_apps:
            raise AzureError(_unknown_tenant(tenant))
        app = next((a for a in tenant_apps if a["clientId"] == client), None)
        if app is None:
            raise AzureError(f"AADSTS700016: Application with identifier '{client}' was not found in the directory.")
        if not same_secret(str(params.get("clientSecretValue", "")), app["clientSecret"]):
            raise AzureError(
                "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the "
                f"client secret value, not the client secret ID, for a secret added to app '{client}'."
            )
        hub_name = params.get("eventHubName") or None
        if hub_name:
            self._hub(namespace, hub_name)
        roles = [r for r in app["roles"] if r["namespace"] == namespace and r["role"] in READING_ROLES]
        on_namespace = [r for r in roles if not r.get("eventHub")]
        all_hubs = tuple(sorted(self.namespaces[namespace]["eventHubs"]))
        readable = all_hubs if on_namespace else tuple(sorted({r["eventHub"] for r in roles}))
        if scoped:
            readable = tuple(h for h in readable if h == hub_name)
        if not readable:
            raise AzureError(
                f"Unauthorized: the application '{client}' has no role that allows reading "
                f"'{_host(namespace)}{'/' + hub_name if hub_name else ''}'."
            )
        can_list = not scoped and any(r["role"] in LISTING_ROLES for r in on_namespace)
        return Access(namespace, readable, can_list)
