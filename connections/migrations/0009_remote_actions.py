"""Remote actions: what a user asks of Adobe, run by a background task; auditors may view them."""

import uuid
from typing import Any

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import connections.encryption


def grant(apps: Any, schema_editor: Any) -> None:
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran; this one is needed now.
    app_config = apps.get_app_config("connections")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    auditors, _ = apps.get_model("auth", "Group").objects.get_or_create(name="Auditors")
    view = apps.get_model("auth", "Permission").objects.get(codename="view_remoteaction")
    auditors.permissions.add(view)


def revoke(apps: Any, schema_editor: Any) -> None:
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name="Auditors"):
        group.permissions.remove(*Permission.objects.filter(codename="view_remoteaction"))


class Migration(migrations.Migration):
    dependencies = [
        ("connections", "0008_gate_attention_archive"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RemoteAction",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "public_id",
                    models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="reference"),
                ),
                ("kind", models.CharField(max_length=40, verbose_name="action")),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("queued", "Waiting to start"),
                            ("running", "Asking Adobe"),
                            ("done", "Done"),
                            ("failed", "Failed"),
                        ],
                        default="queued",
                        max_length=10,
                        verbose_name="state",
                    ),
                ),
                ("payload", connections.encryption.EncryptedTextField(blank=True, verbose_name="what the task needs")),
                ("result", models.JSONField(blank=True, null=True, verbose_name="result")),
                (
                    "created_at",
                    models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="asked at"),
                ),
                ("started_at", models.DateTimeField(blank=True, null=True, verbose_name="started at")),
                ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="finished at")),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="asked by",
                    ),
                ),
                (
                    "dataflow",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="actions",
                        to="connections.dataflow",
                        verbose_name="dataflow",
                    ),
                ),
                (
                    "onboarding",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="actions",
                        to="connections.onboarding",
                        verbose_name="onboarding",
                    ),
                ),
            ],
            options={
                "verbose_name": "remote action",
                "verbose_name_plural": "remote actions",
                "ordering": ["-created_at"],
                "indexes": [models.Index(fields=["onboarding", "kind", "-created_at"], name="action_latest")],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("dataflow__isnull", True), ("state__in", ["queued", "running"])),
                        fields=("onboarding", "kind"),
                        name="one_pending_action_per_onboarding",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("dataflow__isnull", False), ("state__in", ["queued", "running"])),
                        fields=("dataflow", "kind"),
                        name="one_pending_action_per_dataflow",
                    ),
                ],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
