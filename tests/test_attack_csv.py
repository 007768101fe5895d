"""Formula injection through the admin's CSV exports (OWASP "CSV Injection")."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from connections.models import FlowServiceCall, Onboarding

FORMULAS = ["=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1", "\r=1"]


def export(client, model: str, action: str, pks: list[int]) -> list[list[str]]:
    response = client.post(
        reverse(f"admin:connections_{model}_changelist"), {"action": action, "_selected_action": pks}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.django_db
class TestCsvInjection:
    @pytest.mark.parametrize("formula", FORMULAS)
    def test_an_onboarding_named_like_a_formula_is_exported_as_text(self, admin_client, make_onboarding, formula):
        onboarding = make_onboarding("draft", name=formula, description="ok")
        header, row = export(admin_client, "onboarding", "export_onboardings", [onboarding.pk])
        assert row[header.index("name")] == "'" + formula
        assert row[header.index("reference")] == onboarding.reference  # ordinary cells are untouched

    def test_a_call_error_message_like_a_formula_is_exported_as_text(self, admin_client, make_onboarding):
        onboarding = make_onboarding("draft")
        call = FlowServiceCall.objects.create(
            onboarding=onboarding,
            operation="test_connection",
            method="POST",
            path='=HYPERLINK("http://x")',
            outcome="http_error",
            duration_ms=5,
            error_message="@evil",
            status_code=400,
        )
        for model, action, pk in (
            ("flowservicecall", "export_selected", call.pk),
            ("onboarding", "export_calls", onboarding.pk),
        ):
            header, *rows = export(admin_client, model, action, [pk])
            row = next(r for r in rows if r[header.index("error")])
            assert row[header.index("path")] == '\'=HYPERLINK("http://x")'
            assert row[header.index("error")] == "'@evil"
            assert row[header.index("HTTP status")] == "400"

    def test_the_users_own_download_is_json_and_untouched(self, alice, make_onboarding):
        onboarding = make_onboarding("source", name="=1+1")
        data = alice.get(reverse("onboarding:export", args=[onboarding.public_id])).json()
        assert data["name"] == "=1+1" and Onboarding.objects.get().name == "=1+1"
