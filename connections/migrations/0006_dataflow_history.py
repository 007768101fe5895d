"""Auditors may view dataflows and their changes; dataflow changes are append-only in the database."""

from typing import Any

from django.db import migrations

VIEW_PERMISSIONS = ["view_dataflow", "view_dataflowchange"]


def grant(apps: Any, schema_editor: Any) -> None:
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran; these are needed now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    auditors, _ = Group.objects.get_or_create(name="Auditors")
    for codename in VIEW_PERMISSIONS:
        auditors.permissions.add(Permission.objects.get(content_type__app_label="connections", codename=codename))


def revoke(apps: Any, schema_editor: Any) -> None:
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name="Auditors"):
        group.permissions.remove(*Permission.objects.filter(codename__in=VIEW_PERMISSIONS))


def create_triggers(apps: Any, schema_editor: Any) -> None:
    from connections import history_chain

    history_chain.create_triggers(schema_editor.connection)  # the new table's too, now that it exists


class Migration(migrations.Migration):
    dependencies = [("connections", "0005_dataflow")]

    # Going back, 0005 drops the table and its triggers with it; the other tables keep theirs.
    operations = [
        migrations.RunPython(grant, revoke),
        migrations.RunPython(create_triggers, migrations.RunPython.noop),
    ]
