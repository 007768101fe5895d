"""Fill the database with realistic demo onboardings and their history, for trying and measuring."""

from __future__ import annotations

import datetime
import random
import time
import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from connections.auth_types import FIELDS, AuthType
from connections.encryption import blind_index
from connections.models import FlowServiceCall, Onboarding, StateChange

Outcome = FlowServiceCall.Outcome

Status = Onboarding.Status
STATUSES = [
    (Status.SOURCE_CREATED, 70),
    (Status.BASE_CREATED, 10),
    (Status.BASE_FAILED, 8),
    (Status.SOURCE_FAILED, 5),
    (Status.DRAFT, 7),
]
DEMO_CREDENTIALS = {
    "sas_key_name": "RootManageSharedAccessKey",
    "sas_key": "ZGVtby1rZXktbm90LWEtcmVhbC1zZWNyZXQtMDAwMDA=",
    "tenant_id": "contoso.onmicrosoft.com",
    "client_secret_value": "demo-secret-value",
}
AUTH_TYPES = [("standard", 50), ("sas", 25), ("aad", 15), ("scoped_aad", 10)]
SANDBOXES = [("prod", 60), ("dev", 30), ("stage", 10)]
HUBS = ["orders", "clickstream", "inventory-updates", "payments", "telemetry"]
FAILURES = [(503, "1103-503"), (429, "429001"), (400, "1304-400"), (403, "2120-403"), (None, "")]


def pick(weighted: list[tuple[Any, int]], rng: random.Random) -> Any:
    return rng.choices([value for value, _ in weighted], weights=[weight for _, weight in weighted])[0]


def _change(onboarding: Onboarding, from_status: str | None, to_status: str, reason: str) -> StateChange:
    return StateChange(
        onboarding=onboarding,
        actor=onboarding.owner,
        from_status=from_status or "",
        to_status=to_status,
        reason=reason,
        created_at=onboarding.created_at,
    )


def _call(onboarding: Onboarding, operation: str, moment: datetime.datetime, rng: random.Random) -> FlowServiceCall:
    failed = rng.random() < 0.08
    status, code = rng.choice(FAILURES) if failed else (200, "")
    return FlowServiceCall(
        onboarding=onboarding,
        actor=onboarding.owner,
        created_at=moment,
        sandbox_name=onboarding.sandbox_name,
        operation=operation,
        method="GET" if operation.startswith(("get", "list", "test", "explore")) else "POST",
        path="/connections" if "base" in operation else "/sourceConnections",
        status_code=status,
        outcome=_outcome(failed, status),
        error_code=code,
        request_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        connection_id=onboarding.base_connection_id,
        duration_ms=rng.randrange(20, 2500),
        request_body={"name": onboarding.name},
        response_body={"id": onboarding.base_connection_id},
    )


def _outcome(failed: bool, status: int | None) -> str:
    if not failed:
        return Outcome.OK
    return Outcome.TIMEOUT if status is None else Outcome.HTTP_ERROR


class Command(BaseCommand):
    help = "Generate demo onboardings with their Flow Service calls and state changes (bulk, for volume)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--onboardings", type=int, default=1000)
        parser.add_argument("--calls-per-onboarding", type=int, default=10)
        parser.add_argument("--owners", type=int, default=20)
        parser.add_argument("--days", type=int, default=365, help="spread creation dates over this many days")
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, **options: Any) -> None:
        rng = random.Random(options["seed"])
        started = time.monotonic()
        owners = self._owners(options["owners"])
        # Encrypting is the slow part of a bulk insert; demo rows share a few encrypted values.
        namespaces = [f"demo-namespace-{i:02}" for i in range(10)]
        total, batch = options["onboardings"], 2000
        for offset in range(0, total, batch):
            size = min(batch, total - offset)
            with transaction.atomic():
                onboardings = self._onboardings(size, owners, namespaces, rng, options["days"])
                Onboarding.objects.bulk_create(onboardings, batch_size=1000)
                self._history(onboardings, rng, options["calls_per_onboarding"])
            self.stdout.write(f"  {offset + size:,} / {total:,} onboardings", ending="\r")
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {total:,} onboardings and {total * options['calls_per_onboarding']:,} calls "
                f"in {time.monotonic() - started:.1f} s."
            )
        )

    def _owners(self, count: int) -> list[Any]:
        users = get_user_model()
        return [users.objects.get_or_create(username=f"demo-owner-{i:02}")[0] for i in range(1, count + 1)]

    def _onboardings(
        self, size: int, owners: list[Any], namespaces: list[str], rng: random.Random, days: int
    ) -> list[Onboarding]:
        now = timezone.now()
        rows = []
        for _ in range(size):
            status, auth_type = pick(STATUSES, rng), pick(AUTH_TYPES, rng)
            namespace = rng.choice(namespaces)
            created = now - datetime.timedelta(seconds=rng.randrange(days * 86400))
            hub = rng.choice(HUBS)
            auth = AuthType(auth_type)
            client_id = str(uuid.UUID(int=rng.getrandbits(128), version=4)) if "client_id" in auth.field_names else ""
            demo = {**DEMO_CREDENTIALS, "namespace": namespace, "client_id": client_id, "auth_event_hub_name": hub}
            done_base = status in (Status.BASE_CREATED, Status.SOURCE_FAILED, Status.SOURCE_CREATED)
            rows.append(
                Onboarding(
                    public_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                    owner=rng.choice(owners),
                    name=f"{hub.title()} stream {rng.randrange(10_000):04}",
                    description="Generated demo onboarding",
                    auth_type=auth_type,
                    sandbox_name=pick(SANDBOXES, rng),
                    namespace_fingerprint=blind_index(namespace)[0],
                    **{name: demo[name] if name in auth.field_names else "" for name in FIELDS},
                    secret_changed_at=created,
                    event_hub_name=hub if status != Status.DRAFT else "",
                    consumer_group=f"aep-{rng.randrange(100_000)}",
                    status=status,
                    base_connection_id=str(uuid.uuid4()) if done_base else "",
                    base_connection_etag='"demo-0000-0200-0000-000000000000"' if done_base else "",
                    source_connection_id=str(uuid.uuid4()) if status == Status.SOURCE_CREATED else "",
                    created_at=created,
                )
            )
        return rows

    def _history(self, onboardings: list[Onboarding], rng: random.Random, per_onboarding: int) -> None:
        calls, changes = [], []
        operations = [op for op, _ in FlowServiceCall.Operation.choices]
        for onboarding in onboardings:
            moment = onboarding.created_at
            changes.append(_change(onboarding, None, Status.DRAFT, "Account details saved"))
            if onboarding.status != Status.DRAFT:
                changes.append(_change(onboarding, Status.DRAFT, Status.CREATING_BASE, "Creating the base connection"))
            for number in range(per_onboarding):
                moment += datetime.timedelta(milliseconds=rng.randrange(50, 4000))
                calls.append(_call(onboarding, operations[number % len(operations)], moment, rng))
        FlowServiceCall.objects.bulk_record(calls)
        StateChange.objects.bulk_record(changes)
