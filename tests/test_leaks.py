"""A recognisable secret, pushed through every path of the app, is found nowhere it should not be."""

from __future__ import annotations

import base64
import io
import logging
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from connections import services
from connections.log_filters import MaskSecretsFilter
from connections.models import FlowServiceCall, Onboarding
from tests.conftest import account_post, source_post
from tests.test_admin import admin_pages
from tests.test_wizard_views import database_dump

CANARY_KEY = base64.b64encode(b"LEAK-CANARY-SAS-KEY-0123456789AB").decode()
CANARY_KEY_2 = base64.b64encode(b"LEAK-CANARY-SAS-KEY-SECOND-KEY!!").decode()
CANARY_SECRET = "LeakCanary8Q~ClientSecretValue-0123456789"
CANARIES = (CANARY_KEY, CANARY_KEY_2, CANARY_SECRET)
CANARY_STRING = (
    "Endpoint=sb://contoso-events.servicebus.windows.net/;SharedAccessKeyName=orders-aep;"
    f"SharedAccessKey={CANARY_KEY};EntityPath=orders"
)
HTMX = {"HX-Request": "true"}


class RecordingClient(Client):
    """A test client that keeps every response it received (HTML pages, htmx fragments, downloads)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen: list[tuple[str, str]] = []

    def request(self, **request: Any) -> Any:
        response = super().request(**request)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        self.seen.append((request["PATH_INFO"], headers + "\n" + body.decode(errors="replace")))
        return response


def run_every_path(client: RecordingClient, admin: RecordingClient, emulator: Any, monkeypatch: Any) -> None:
    new = reverse("onboarding:new")
    # Standard, through htmx, with a validation error first (the key must not come back)
    client.post(new, account_post(sas_key=CANARY_KEY, namespace="x"), headers=HTMX)
    client.get(reverse("onboarding:auth_fields"), {"switch_auth": "sas"}, headers=HTMX)
    client.post(new, account_post(name="Canary standard", sas_key=CANARY_KEY), headers=HTMX)
    standard = Onboarding.objects.get(name="Canary standard")
    # The canary key fails Adobe's test: the Account page shows the correction form (the key must not come
    # back), a correction with another canary is tested, then the owner goes on anyway.
    client.get(reverse("onboarding:account", args=[standard.public_id]))
    client.post(
        reverse("onboarding:account", args=[standard.public_id]),
        {"namespace": "contoso-events", "sas_key_name": "RootManageSharedAccessKey", "sas_key": CANARY_KEY},
        headers=HTMX,
    )
    client.post(reverse("onboarding:go_on", args=[standard.public_id]))
    client.post(reverse("onboarding:source", args=[standard.public_id]), source_post(), headers=HTMX)
    # SAS from a pasted connection string (the helper, then the submit)
    client.post(
        reverse("onboarding:parse_connection_string"),
        {**account_post(namespace="", sas_key_name="", sas_key=""), "connection_string": CANARY_STRING},
        headers=HTMX,
    )
    client.post(
        new, account_post(name="Canary SAS", namespace="", sas_key_name="", sas_key="", connection_string=CANARY_STRING)
    )
    sas = Onboarding.objects.get(name="Canary SAS")
    client.post(reverse("onboarding:go_on", args=[sas.public_id]))
    client.post(reverse("onboarding:source", args=[sas.public_id]), source_post(consumer_group="canary-sas"))
    # Entra ID with a canary secret
    client.post(new, account_post("aad", name="Canary AAD", client_secret_value=CANARY_SECRET))
    aad = Onboarding.objects.get(name="Canary AAD")
    client.post(reverse("onboarding:go_on", args=[aad.public_id]))
    client.post(reverse("onboarding:source", args=[aad.public_id]), source_post(consumer_group="canary-aad"))
    # A failed onboarding (Adobe unavailable), retried and failing again
    emulator.fault("/connections", method="POST", status=503, count=2)
    client.post(new, account_post(name="Canary failed", sas_key=CANARY_KEY))
    failed = Onboarding.objects.get(name="Canary failed")
    client.post(reverse("onboarding:retry", args=[failed.public_id]), headers=HTMX)
    # Replace a key (a wrong one: rolled back) and test on demand
    client.get(reverse("onboarding:credentials", args=[standard.public_id]))
    client.post(
        reverse("onboarding:credentials", args=[standard.public_id]),
        {"namespace": "contoso-events", "sas_key_name": "RootManageSharedAccessKey", "sas_key": CANARY_KEY_2},
    )
    client.post(reverse("onboarding:test", args=[standard.public_id]), headers=HTMX)
    # Every page of each onboarding, the list, the exports
    for onboarding in Onboarding.objects.all():
        for name in ("account", "source", "done", "export", "credentials", "source_edit", "delete"):
            client.get(reverse(f"onboarding:{name}", args=[onboarding.public_id]))
    client.get(reverse("onboarding:list"))
    # Error pages: 404, a refused form (CSRF), a server error
    client.get(f"/onboardings/{uuid.uuid4()}/done/")
    strict = RecordingClient(enforce_csrf_checks=True)
    strict.force_login(Onboarding.objects.first().owner)
    strict.post(new, account_post(sas_key=CANARY_KEY))
    client.seen += strict.seen
    monkeypatch.setattr(services, "onboarding_connect_account", lambda **kwargs: 1 / 0)
    client.raise_request_exception = False
    client.post(new, account_post(name="Crash", sas_key=CANARY_KEY))
    # The admin: every history page and every export
    for url in admin_pages(list(Onboarding.objects.all())):
        admin.get(url)
    pks = [str(pk) for pk in Onboarding.objects.values_list("pk", flat=True)]
    for action in ("export_onboardings", "export_calls"):
        admin.post(reverse("admin:connections_onboarding_changelist"), {"action": action, "_selected_action": pks})
    admin.post(
        reverse("admin:connections_flowservicecall_changelist"),
        {"action": "export_selected", "_selected_action": list(FlowServiceCall.objects.values_list("pk", flat=True))},
    )


@pytest.mark.django_db
def test_a_recognisable_secret_is_found_nowhere(django_user_model, emulator, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskSecretsFilter())  # what the app's configured handler applies
    logging.getLogger().addHandler(handler)
    user = django_user_model.objects.create_user("canary", password="x")
    superuser = django_user_model.objects.create_superuser("root", password="x")
    client, admin = RecordingClient(), RecordingClient()
    client.force_login(user)
    admin.force_login(superuser)
    try:
        run_every_path(client, admin, emulator, monkeypatch)
    finally:
        logging.getLogger().removeHandler(handler)

    assert Onboarding.objects.filter(status="source_created").count() == 3
    assert any(path.endswith("export.json") for path, _ in client.seen)
    assert len(client.seen) > 30 and len(admin.seen) > 40
    dump = database_dump()
    assert "django_session" in dump
    places = {"database": dump, "log records": caplog.text, "log output": stream.getvalue()}
    places.update({f"{path} (user)": body for path, body in client.seen})
    places.update({f"{path} (admin)": body for path, body in admin.seen})
    for secret in CANARIES:
        found = [where for where, text in places.items() if secret in text]
        assert found == [], f"{secret[:12]}… found in {found}"


def test_a_credential_quoted_in_azures_words_is_never_shown_or_kept():
    """Azure's refusal reaches the app through Adobe's relay unchecked; its Details must not carry a key."""
    from connections.diagnoses import Diagnosis, diagnose_refusal

    key = "Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg="
    relayed = (
        "The request could not be processed. Error message: Unauthorized. Token: SharedAccessSignature "
        "sr=sb%3a%2f%2fcontoso.servicebus.windows.net&sig=AbCdEf%2BgHiJ%3d&se=1700000000&skn=Root, "
        f"SharedAccessKey={key}; TrackingId:1234"
    )
    diagnosis = diagnose_refusal(relayed)
    assert "AbCdEf" not in diagnosis.details and key not in diagnosis.details
    assert "Unauthorized" in diagnosis.details and "skn=Root" in diagnosis.details  # the rest is still there
    stored = Diagnosis.from_json({**diagnosis.as_json(), "details": f"sig=AbCdEf {key}"})
    assert stored is not None and "AbCdEf" not in stored.details and key not in stored.details
