"""Check the Adobe configuration end to end: get an IMS token, read the Event Hubs connection spec."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from connections import adobe
from connections.flowservice import EVENT_HUBS_CONNECTION_SPEC_ID, FlowServiceError
from connections.messages import describe
from connections.target import flow_service_target


class Command(BaseCommand):
    help = "Get an IMS token and read the Azure Event Hubs connection spec; print what was found or what failed."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--sandbox", default=None, help="AEP sandbox to check (default: ADOBE_SANDBOX_NAME)")

    def handle(self, *args: Any, sandbox: str | None, **options: Any) -> None:
        sandbox = self.sandbox = sandbox or settings.ADOBE_SANDBOX_NAME
        where = "the local emulator" if flow_service_target().is_emulator else "Adobe"
        self.stdout.write(f"Mode: {where}")
        self.stdout.write(f"  IMS:          {settings.IMS_URL} (client {settings.ADOBE_CLIENT_ID})")
        self.stdout.write(
            f"  Flow Service: {settings.FLOW_SERVICE_URL} (org {settings.ADOBE_ORG_ID}, sandbox {sandbox})"
        )
        provider = adobe.token_provider()
        try:
            provider.token()
        except FlowServiceError as error:
            self._fail("1. IMS token", error, "getting a token")
        self.stdout.write(self.style.SUCCESS("1. IMS token: OK (scopes: " + settings.ADOBE_SCOPES + ")"))
        client = adobe.flow_client(onboarding=None, actor=None, sandbox_name=sandbox)
        try:
            spec = client.get_connection_spec(EVENT_HUBS_CONNECTION_SPEC_ID)
        except FlowServiceError as error:
            self._fail("2. Event Hubs connection spec", error, "reading the connection spec")
        auth_names = ", ".join(auth.get("name", "?") for auth in spec.get("authSpec", []))
        self.stdout.write(
            self.style.SUCCESS(
                f"2. Event Hubs connection spec: OK: {spec.get('name', '?')} version {spec.get('version', '?')}, "
                f"auth types: {auth_names}"
            )
        )
        self.stdout.write(self.style.SUCCESS(f"Ready: onboardings can be created in sandbox '{sandbox}'."))

    def _fail(self, step: str, error: FlowServiceError, doing: str) -> None:
        problem = describe(error, doing=doing, sandbox=self.sandbox)
        evidence = ", ".join(
            part
            for part in (
                f"HTTP {error.status}" if error.status else "",
                f"code {error.code}" if error.code else "",
                f"request {error.request_id}" if error.request_id else "",
            )
            if part
        )
        raise CommandError(
            f"{step}: FAILED: {problem.title}. {problem.message}"
            + (f" ({evidence}; Adobe said: {error.message})" if evidence else f" ({error.message})")
        )
