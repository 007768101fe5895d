"""The append-only, hash-chained history: a base for its rows, the rows, and the chain's head per table.

A history row is written once (by its manager's `record`) and never changed or deleted; each row is linked by
hash to the row before it (connections/history_chain.py), so a changed or removed row shows.
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connections import history_chain

from .dataflow import Dataflow
from .onboarding import Onboarding


class AppendOnlyError(Exception):
    """History rows are written once and never changed or deleted."""


class HistoryQuerySet(models.QuerySet[Any]):
    """History may be read and added to, never changed in bulk."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("History rows cannot be updated.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("History rows cannot be deleted.")


class AppendOnlyModel(models.Model):
    """A history row: who and when, written once, linked by hash to the row before it (see history_chain).

    The ORM refuses changes here; the database refuses them too (triggers, migrations 0004 and 0010).
    """

    chained_history = True  # history_chain.history_models() finds the tables it guards by this

    chain_seq = models.BigIntegerField(_("chain position"), null=True, blank=True, unique=True, editable=False)
    prev_hash = models.CharField(_("previous row's hash"), max_length=64, blank=True, editable=False)
    row_hash = models.CharField(_("row hash"), max_length=64, blank=True, editable=False)
    hash_key = models.CharField(
        _("hash key"),
        max_length=8,
        blank=True,
        editable=False,
        help_text=_(
            "The id of the HISTORY_HMAC_KEYS key that signed the row; empty: a plain SHA-256, written before keys."
        ),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now, editable=False)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows cannot be changed.")
        history_chain.append([self], functools.partial(super().save, force_insert=True))

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{type(self).__name__} rows cannot be deleted.")


class HistoryManager(models.Manager.from_queryset(HistoryQuerySet)):  # type: ignore[misc]
    def bulk_record(self, rows: list[Any]) -> None:
        """Write many rows at once (generated demo history), chained like any other; never changed."""
        history_chain.append(rows, lambda: self.bulk_create(rows, batch_size=5000))


class HistoryChainHead(models.Model):
    """The newest position and hash of one history table's chain, and its last verification.

    Appends lock this row (one writer at a time per table); `verify_history` compares the
    chain's end with it, so rows removed from the end are noticed too.
    """

    table = models.CharField(max_length=100, primary_key=True)
    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=history_chain.GENESIS)
    # Rows written before the chain was keyed (plain SHA-256), counted and sealed by migration 0010.
    legacy_rows = models.BigIntegerField(default=0)
    legacy_seal = models.CharField(max_length=80, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_ok = models.BooleanField(null=True)
    problem = models.TextField(blank=True)

    class Meta:
        verbose_name = _("history chain head")

    def __str__(self) -> str:
        return f"{self.table} @ {self.seq}"


class FlowServiceCallManager(HistoryManager):
    def record(
        self, *, onboarding: Onboarding | None, actor: Any, call: Any, sandbox_name: str = ""
    ) -> FlowServiceCall:
        """The single writer of call history; `call` is a flowservice.CallRecord (bodies redacted)."""
        row: FlowServiceCall = self.create(
            onboarding=onboarding,
            actor=actor if getattr(actor, "pk", None) else None,
            sandbox_name=sandbox_name,
            operation=call.operation,
            method=call.method,
            path=call.path[:500],
            status_code=call.status,
            outcome=call.outcome,
            error_code=(call.error_code or "")[:50],
            request_id=(call.request_id or "")[:100],
            connection_id=(call.connection_id or "")[:64],
            duration_ms=call.duration_ms,
            attempt=call.attempt,
            request_body=call.request_body,
            response_body=call.response_body,
            error_message=call.error_message or "",
        )
        return row


class FlowServiceCall(AppendOnlyModel):
    """One HTTP call to Flow Service or IMS made for an onboarding, with secrets masked."""

    class Operation(models.TextChoices):
        IMS_TOKEN = "ims_token", _("IMS token")
        CREATE_BASE = "create_base_connection", _("Create base connection")
        CREATE_SOURCE = "create_source_connection", _("Create source connection")
        GET_BASE = "get_base_connection", _("Get base connection")
        GET_SOURCE = "get_source_connection", _("Get source connection")
        LIST_BASE = "list_connections", _("Find base connection")
        LIST_SOURCE = "list_source_connections", _("Find source connection")
        GET_SPEC = "get_connection_spec", _("Get connection spec")
        TEST = "test_connection", _("Test connection")
        EXPLORE = "explore", _("List event hubs")
        UPDATE_CREDENTIALS = "update_credentials", _("Update credentials")
        # The dataflow's calls
        PREVIEW = "preview_event_hub", _("Preview event hub")
        LIST_SCHEMAS = "list_schemas", _("List schemas")
        GET_SCHEMA = "get_schema", _("Get schema")
        CREATE_DATASET = "create_dataset", _("Create dataset")
        GET_DATASET = "get_dataset", _("Get dataset")
        LIST_DATASETS = "list_datasets", _("List datasets")
        VALIDATE_MAPPING = "validate_mappings", _("Validate mapping")
        PREVIEW_MAPPING = "preview_mappings", _("Preview mapping")
        CREATE_MAPPING = "create_mapping_set", _("Create mapping set")
        LIST_MAPPINGS = "list_mapping_sets", _("Find mapping set")
        LIST_SANDBOXES = "list_sandboxes", _("List sandboxes")
        CREATE_TARGET = "create_target_connection", _("Create target connection")
        LIST_TARGETS = "list_target_connections", _("Find target connection")
        CREATE_FLOW = "create_flow", _("Create dataflow")
        GET_FLOW = "get_flow", _("Get dataflow")
        LIST_FLOWS = "list_flows", _("Find dataflow")
        ENABLE_FLOW = "enable_flow", _("Resume dataflow")
        DISABLE_FLOW = "disable_flow", _("Pause dataflow")
        LIST_RUNS = "list_runs", _("Read dataflow runs")
        # The client's other calls: every flowservice.Operation has its label here
        UPDATE_SOURCE = "update_source_connection", _("Update source connection")
        DELETE_BASE = "delete_base_connection", _("Delete base connection")
        DELETE_SOURCE = "delete_source_connection", _("Delete source connection")
        GET_MAPPING = "get_mapping_set", _("Get mapping set")
        GET_TARGET = "get_target_connection", _("Get target connection")
        LIST_FLOW_SPECS = "list_flow_specs", _("List dataflow specs")
        GET_FLOW_SPEC = "get_flow_spec", _("Get dataflow spec")
        UPDATE_FLOW = "update_flow", _("Update dataflow")
        DELETE_FLOW = "delete_flow", _("Delete dataflow")
        DELETE_TARGET = "delete_target_connection", _("Delete target connection")
        DELETE_DATASET = "delete_dataset", _("Delete dataset")

    class Outcome(models.TextChoices):
        OK = "ok", _("OK")
        HTTP_ERROR = "http_error", _("Error answer")
        TIMEOUT = "timeout", _("Timeout")
        CONNECTION_ERROR = "connection_error", _("Connection failed")

    onboarding = models.ForeignKey(
        Onboarding, on_delete=models.PROTECT, null=True, blank=True, related_name="calls", verbose_name=_("onboarding")
    )
    sandbox_name = models.CharField(_("AEP sandbox"), max_length=100, blank=True)
    operation = models.CharField(_("operation"), max_length=40, choices=Operation.choices)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    error_code = models.CharField(_("Adobe error code"), max_length=50, blank=True)
    request_id = models.CharField(_("request ID"), max_length=100, blank=True)
    connection_id = models.CharField(_("connection ID"), max_length=64, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    request_body = models.JSONField(_("request body (redacted)"), null=True, blank=True)
    response_body = models.JSONField(_("response body (redacted)"), null=True, blank=True)
    error_message = models.TextField(_("error"), blank=True)

    objects = FlowServiceCallManager()

    class Meta(AppendOnlyModel.Meta):
        verbose_name = _("Flow Service call")
        verbose_name_plural = _("Flow Service calls")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="call_recent"),
            models.Index(fields=["onboarding", "created_at"], name="call_onboarding_time"),
            models.Index(fields=["operation", "-created_at"], name="call_operation_recent"),
            # "What did Adobe answer to the creates?": operation and status together.
            models.Index(fields=["operation", "status_code", "-created_at"], name="call_operation_status"),
            models.Index(fields=["status_code", "-created_at"], name="call_status_recent"),
            models.Index(fields=["error_code", "-created_at"], name="call_error_recent"),
            models.Index(fields=["request_id"], name="call_request_id"),
            models.Index(fields=["connection_id"], name="call_connection_id"),
        ]

    def __str__(self) -> str:
        status = self.status_code or self.get_outcome_display()
        return f"{self.method} {self.path} → {status}"


class StateChangeManager(HistoryManager):
    def record(
        self, *, onboarding: Onboarding, actor: Any, from_status: str | None, to_status: str, reason: str
    ) -> StateChange:
        """The single writer of state-change history."""
        row: StateChange = self.create(
            onboarding=onboarding,
            actor=actor if getattr(actor, "pk", None) else None,
            from_status=from_status or "",
            to_status=to_status,
            reason=reason,
        )
        return row


class StateChange(AppendOnlyModel):
    """A move of an onboarding from one status to another: who, when and why."""

    onboarding = models.ForeignKey(
        Onboarding, on_delete=models.PROTECT, related_name="state_changes", verbose_name=_("onboarding")
    )
    from_status = models.CharField(_("from"), max_length=20, choices=Onboarding.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Onboarding.Status.choices)
    reason = models.TextField(_("why"))

    objects = StateChangeManager()

    class Meta(AppendOnlyModel.Meta):
        verbose_name = _("state change")
        verbose_name_plural = _("state changes")
        indexes = [
            models.Index(fields=["onboarding", "created_at"], name="state_onboarding_time"),
            models.Index(fields=["-created_at", "-id"], name="state_recent"),
            models.Index(fields=["to_status", "-created_at"], name="state_to_recent"),
        ]

    def __str__(self) -> str:
        source = self.get_from_status_display() or _("new")
        return f"{self.onboarding} : {source} → {self.get_to_status_display()}"


class DataflowChangeManager(models.Manager.from_queryset(HistoryQuerySet)):  # type: ignore[misc]
    def record(self, *, dataflow: Dataflow, actor: Any, from_status: str, to_status: str, reason: str) -> Any:
        return self.create(
            dataflow=dataflow,
            actor=actor if getattr(actor, "pk", None) else None,
            from_status=from_status,
            to_status=to_status,
            step=dataflow.current_step,
            reason=f"Dataflow “{dataflow.name}”: {reason}",
        )


class DataflowChange(AppendOnlyModel):
    """A move of a dataflow: who, when, which step and why (append-only, like the onboarding's)."""

    dataflow = models.ForeignKey(Dataflow, on_delete=models.PROTECT, related_name="changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now, editable=False)
    from_status = models.CharField(_("from"), max_length=20, choices=Dataflow.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Dataflow.Status.choices)
    step = models.CharField(_("step"), max_length=20, choices=Dataflow.Step.choices, blank=True)
    reason = models.TextField(_("why"))

    objects = DataflowChangeManager()

    class Meta:
        verbose_name = _("dataflow change")
        verbose_name_plural = _("dataflow changes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["dataflow", "created_at"], name="dataflow_change_time")]

    def __str__(self) -> str:
        return f"{self.dataflow} : {self.from_status or 'new'} → {self.to_status}"
