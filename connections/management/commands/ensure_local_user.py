"""Make sure the local login exists (user `admin`), and say how to log in."""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the local superuser `admin` if it does not exist, and print how to log in."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", default="admin")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        users = get_user_model()
        if users.objects.filter(username=username).exists():
            self.stdout.write(
                f"Log in as {username} with the password in .env (LOCAL_LOGIN_PASSWORD), unless you changed it. "
                f"Change it with: python manage.py changepassword {username}"
            )
            return
        password = os.environ.get("LOCAL_LOGIN_PASSWORD") or secrets.token_urlsafe(12)
        users.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(
            f"Created the local login {username} / {password} (a superuser: it also opens the admin). "
            f"Change the password with: python manage.py changepassword {username}"
        )
