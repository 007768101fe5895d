"""The Auditors group: may view everything in the admin, change nothing."""

from typing import Any

from django.db import migrations

VIEW_PERMISSIONS = [
    ("connections", "view_onboarding"),
    ("connections", "view_flowservicecall"),
    ("connections", "view_statechange"),
    ("auth", "view_user"),
    ("auth", "view_group"),
]


def create_auditors(apps: Any, schema_editor: Any) -> None:
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran; this one needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    auditors, _ = Group.objects.get_or_create(name="Auditors")
    for app_label, codename in VIEW_PERMISSIONS:
        auditors.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_auditors(apps: Any, schema_editor: Any) -> None:
    apps.get_model("auth", "Group").objects.filter(name="Auditors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("connections", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_auditors, remove_auditors)]
