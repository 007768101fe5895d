"""A real OpenID Connect provider (npm oidc-provider, run by node) for the sign-in tests, and a browser-less user."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent.parent
SCRIPT = Path(__file__).resolve().parent / "provider.mjs"
CLIENT_ID = "eventhubs-onboarding-tests"
CLIENT_SECRET = "tests-only-client-secret"  # noqa: S105 - the test provider's, nothing else's


@dataclass
class IdentityProvider:
    issuer: str
    people_file: Path

    def set_people(self, people: dict[str, dict[str, Any]]) -> None:
        """Who is who at the provider (user name → claims); read again at every sign-in."""
        self.people_file.write_text(json.dumps(people))


@contextmanager
def running_provider(redirect_uris: list[str], post_logout_uris: list[str]) -> Iterator[IdentityProvider]:
    """The provider on a free loopback port, stopped when the block ends."""
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "oidc-provider").is_dir():
        raise RuntimeError("The sign-in tests need node and `npm ci` (oidc-provider in node_modules).")
    with tempfile.TemporaryDirectory(prefix="identity-provider-") as directory:
        people_file = Path(directory) / "people.json"
        people_file.write_text("{}")
        environment = {
            **os.environ,
            "PEOPLE_FILE": str(people_file),
            "CLIENT_ID": CLIENT_ID,
            "CLIENT_SECRET": CLIENT_SECRET,
            "REDIRECT_URIS": ",".join(redirect_uris),
            "POST_LOGOUT_REDIRECT_URIS": ",".join(post_logout_uris),
            "NODE_NO_WARNINGS": "1",
        }
        log = Path(directory) / "provider.log"
        with log.open("w") as errors:
            process = subprocess.Popen(
                [node, str(SCRIPT)], cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=errors, text=True
            )
        try:
            line = process.stdout.readline() if process.stdout else ""
            if not line:
                raise RuntimeError(f"The identity provider did not start: {log.read_text()[-2000:]}")
            yield IdentityProvider(issuer=json.loads(line)["issuer"], people_file=people_file)
        finally:
            process.terminate()
            process.wait(10)


def sign_in_at_provider(provider: IdentityProvider, authorize_url: str, login: str, *, consent: bool = True) -> str:
    """Go through the provider's development log-in and consent as a person would; the URL it sends back to."""
    browser = requests.Session()
    response = browser.get(authorize_url, allow_redirects=False, timeout=10)
    for _ in range(10):
        location = urljoin(response.url, response.headers["Location"])
        if not location.startswith(provider.issuer):
            return location  # back to the app
        response = browser.get(location, allow_redirects=False, timeout=10)
        if response.status_code != 200:
            continue
        if 'name="login"' in response.text:  # the interaction page: log in, then consent (or cancel)
            form = {"prompt": "login", "login": login, "password": "any"}
        elif consent:
            form = {"prompt": "consent"}
        else:
            response = browser.get(location + "/abort", allow_redirects=False, timeout=10)
            continue
        response = browser.post(location, data=form, allow_redirects=False, timeout=10)
    raise AssertionError(f"The provider never sent the browser back: {response.status_code} {response.url}")


def callback_query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
