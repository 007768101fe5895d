"""Fixtures: the Flow Service emulator on a free port (real HTTP), clients against it, users."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.test import override_settings

from connections.flowservice import (
    CallRecord,
    FlowServiceClient,
    ImsTokenProvider,
    RetryPolicy,
    Timeouts,
)
from connections.flowservice_emulator import FLOW_PREFIX, BackgroundEmulator, make_emulator

# Playwright's sync API runs an event loop in the test thread; Django would refuse ORM calls
# from it (SynchronousOnlyOperation). This is the documented escape hatch, for tests only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ORG_ID = "E0E0E0E0E0E0E0E0E0E0E0E0@AdobeOrg"  # the org the app uses in emulator mode
DEMO_NAMESPACE = "contoso-events"
DEMO_MANAGE_KEY_NAME = "RootManageSharedAccessKey"
DEMO_MANAGE_KEY = "wvwtY9kn2UMDjZTFd+pffzMly2J26AoM07uWzS+dfMY="
DEMO_LISTEN_KEY_NAME = "aep-listen-only"
DEMO_LISTEN_KEY = "PDQ6qJnQshtfcS0VWLKy07Pau0mBjzBbFYyvrA365dc="
DEMO_HUB_KEY_NAME = "orders-aep"
DEMO_HUB_KEY = "b8Z1D4+Si19BNHkZdZ7QwKcNVAmOLQ5rdcUPUQ3gjRE="
DEMO_TENANT = "e4e6de1c-11f1-5098-b455-491158968936"
DEMO_OWNER_APP = "fee18c22-1b2a-5336-93f3-9c66b2c2e5cf"
DEMO_OWNER_SECRET = "dem0Owner8Q~ehOnboardingSecretValue0001"
DEMO_READER_APP = "eb1265e3-c8a6-51c5-a4f4-d38a8e8b42c8"
DEMO_READER_SECRET = "dem0Reader8Q~ehOnboardingSecretValue002"


class EmulatorHandle:
    """The running emulator, driven through its own HTTP control endpoints."""

    def __init__(self, server: BackgroundEmulator) -> None:
        self.server = server
        self.url = server.url
        self.flow_url = server.url + FLOW_PREFIX

    def fault(self, path: str, **fault: Any) -> None:
        """Make the next call(s) to `path` (a glob, relative to Flow Service or absolute) fail."""
        full = path if path.startswith(("/ims/", "/data/")) else FLOW_PREFIX + path
        response = requests.post(f"{self.url}/__emulator__/faults", json={"path": full, **fault}, timeout=5)
        response.raise_for_status()

    def stats(self) -> dict[str, Any]:
        return requests.get(f"{self.url}/__emulator__/stats", timeout=5).json()

    def drop_schema_field(self, *, sandbox: str, schema: str, field: str) -> None:
        """That sandbox's copy of the schema titled `schema` lacks `field` (until the next test)."""
        order = {"sandbox": sandbox, "schema": schema, "field": field}
        requests.post(f"{self.url}/__emulator__/schemas/fields/drop", json=order, timeout=5).raise_for_status()

    def restore_schemas(self) -> None:
        """Every sandbox holds the demo schemas whole again."""
        requests.delete(f"{self.url}/__emulator__/schemas/fields/drop", timeout=5).raise_for_status()

    def expire_tokens(self) -> None:
        requests.post(f"{self.url}/__emulator__/tokens/expire", timeout=5).raise_for_status()

    def token(self, client_id: str = "test-client") -> str:
        response = requests.post(
            f"{self.url}/ims/token/v3",
            data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": "s", "scope": "openid"},
            timeout=5,
        )
        return str(response.json()["access_token"])

    def headers(
        self, token: str | None = None, client_id: str = "test-client", sandbox: str = "prod"
    ) -> dict[str, str]:
        """The headers of the tutorial's requests, with a token from the emulator's IMS."""
        return {
            "Authorization": f"Bearer {token or self.token(client_id)}",
            "x-api-key": client_id,
            "x-gw-ims-org-id": ORG_ID,
            "x-sandbox-name": sandbox,
            "Content-Type": "application/json",
        }

    def get(self, path: str, **headers: str) -> requests.Response:
        return requests.get(self.flow_url + path, headers={**self.headers(), **headers}, timeout=5)


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[BackgroundEmulator]:
    server = BackgroundEmulator(make_emulator()).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_emulator(settings: Any, emulator_server: BackgroundEmulator) -> None:
    """Every test starts with an empty emulator, an empty cache, and the app pointed at it."""
    emulator_server.emulator.store.reset()
    emulator_server.emulator.faults.clear()
    emulator_server.emulator.schemaregistry.restore()
    settings.EMULATOR_URL = emulator_server.url
    settings.IMS_URL = emulator_server.url
    settings.FLOW_SERVICE_URL = emulator_server.url + FLOW_PREFIX
    from django.core.cache import cache

    from connections import adobe

    cache.clear()
    adobe._provider.cache_clear()


@pytest.fixture
def emulator(emulator_server: BackgroundEmulator) -> EmulatorHandle:
    return EmulatorHandle(emulator_server)


@pytest.fixture
def calls() -> list[CallRecord]:
    """What a client's observer received."""
    return []


@pytest.fixture
def make_client(emulator: EmulatorHandle, calls: list[CallRecord]) -> Any:
    """Build a FlowServiceClient against the emulator; keyword arguments override the defaults."""

    def build(
        *,
        sandbox: str = "prod",
        provider: ImsTokenProvider | None = None,
        read_timeout: float = 5.0,
        retry: RetryPolicy | None = None,
        base_url: str | None = None,
        page_size: int | None = None,
        max_pages: int = 50,
        **provider_options: Any,
    ) -> FlowServiceClient:
        fast_retry = retry or RetryPolicy(initial_delay=0.01, max_delay=0.05, budget=5)
        provider = provider or ImsTokenProvider(
            ims_url=provider_options.pop("ims_url", emulator.url),
            client_id=provider_options.pop("client_id", "test-client"),
            client_secret=provider_options.pop("client_secret", "test-secret"),
            retry=fast_retry,
            timeouts=Timeouts(connect=2, read=read_timeout),
            **provider_options,
        )
        return FlowServiceClient(
            base_url=base_url or emulator.flow_url,
            api_key=provider.client_id,
            org_id=ORG_ID,
            sandbox_name=sandbox,
            token_provider=provider,
            timeouts=Timeouts(connect=2, read=read_timeout),
            retry=fast_retry,
            observer=calls.append,
            page_size=page_size,
            max_pages=max_pages,
        )

    return build


# Django-side helpers


@pytest.fixture
def user(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("alice", password="alice-password")


@pytest.fixture
def other_user(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("bob", password="bob-password")


@pytest.fixture
def alice(client: Any, user: Any) -> Any:
    """A test client logged in as alice."""
    client.force_login(user)
    return client


def account_post(auth_type: str = "standard", **overrides: str) -> dict[str, str]:
    """A valid Account step submission for the emulator's demo namespace."""
    data = {
        "name": "Orders stream",
        "description": "Orders from the shop",
        "sandbox_name": "prod",
        "auth_type": auth_type,
        "namespace": DEMO_NAMESPACE,
    }
    if auth_type in ("standard", "sas"):
        data.update(sas_key_name=DEMO_MANAGE_KEY_NAME, sas_key=DEMO_MANAGE_KEY)
    if auth_type == "sas":
        data.update(sas_key_name=DEMO_HUB_KEY_NAME, sas_key=DEMO_HUB_KEY, auth_event_hub_name="orders")
    if auth_type in ("aad", "scoped_aad"):
        data.update(tenant_id=DEMO_TENANT, client_id=DEMO_OWNER_APP, client_secret_value=DEMO_OWNER_SECRET)
    if auth_type == "scoped_aad":
        data.update(auth_event_hub_name="orders")
    data.update(overrides)
    return data


def source_post(**overrides: str) -> dict[str, str]:
    return {
        "event_hub_name": "orders",
        "data_type": "raw",
        "reset": "earliest",
        "consumer_group": "aep-orders",
        **overrides,
    }


@pytest.fixture
def make_onboarding(user: Any) -> Any:
    """An onboarding created through the services, as far as `until` (draft, base or source)."""
    from connections import services
    from connections.models import Onboarding
    from connections.services import wizard

    def build(until: str = "source", owner: Any = None, auth_type: str = "standard", **account: str) -> Onboarding:
        # Test set-up, not under test: the remote steps run at once, whatever queue the test uses.
        with override_settings(TASKS=IMMEDIATE_TASKS):
            return _build(until, owner, auth_type, **account)

    def _build(until: str, owner: Any, auth_type: str, **account: str) -> Onboarding:
        data = account_post(auth_type, **account)
        auth = Onboarding.AuthType(auth_type)
        credentials = services.Credentials(auth, {name: data.get(name, "") for name in auth.field_names})
        onboarding = wizard.onboarding_start(
            owner=owner or user,
            account=services.Account(data["name"], data["description"], data["sandbox_name"], credentials),
        )
        if until == "draft":
            return onboarding
        onboarding = wizard.onboarding_create_base_connection(onboarding=onboarding, actor=owner or user)
        if onboarding.status == Onboarding.Status.BASE_CREATED:
            # The Account step tests the new base connection; its test gates the Source step.
            onboarding = services.onboarding_test_connection(onboarding=onboarding, actor=owner or user)
        if until == "base":
            return onboarding
        onboarding = wizard.onboarding_save_source(
            onboarding=onboarding,
            actor=owner or user,
            source=services.Source("orders", "raw", "earliest", account.get("consumer_group", "aep-orders")),
        )
        return wizard.onboarding_create_source_connection(onboarding=onboarding, actor=owner or user)

    return build


IMMEDIATE_TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def task_queue(settings: Any) -> Any:
    """The real queue (django-tasks-db, as in production): remote steps wait in it until the test
    calls the returned `drain()`, which runs every ready task (the worker's batch mode) and returns."""
    from django.core.management import call_command

    settings.TASKS = DB_TASKS

    def drain() -> None:
        call_command("run_tasks", batch=True)

    return drain
