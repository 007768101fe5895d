"""The wizard's pages in process, two checkouts in turns: CPU time per request, and each page over the bare page.

    python scripts/bench_pages.py OLD NEW                  # two checkouts (a `git archive` of main, this one)
    python scripts/bench_pages.py OLD NEW --rounds 6 --requests 30 --close
    python scripts/bench_pages.py .@USE_I18N=True .@USE_I18N=False   # CHECKOUT@NAME=VALUE: a setting changed

Each checkout runs in its own process with its own SQLite database, seeded as scripts/bench_load.py seeds
it (300 onboardings, 5 calls each), with `make serve`'s settings (DEBUG off: the cached template loader)
and the benchmark's URLconf (/bench-floor/). Its user owns three onboardings it made through the wizard
(finished, at Source, in progress), as bench_load's page user does; "list20" is the ninth user's page of
twenty demo onboardings; "poll" is the in-progress onboarding's progress poll (nothing to swap: 204). The
processes take turns, page by page, so a busy neighbour slows both alike; each cell is the best round's median
(process CPU time, time.process_time), then the queries per page.
`--close` closes the database connection after each request, as the server does with CONN_MAX_AGE=0
(Django's test client keeps it).
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_env import BENCH_ENVIRONMENT

PAGES = ("floor", "list", "list20", "new", "done", "source", "progress", "poll")


def _configure(root: str, directory: str, override: str) -> None:
    """make serve's settings (the benchmark's URLconf), a database in `directory`, the emulator in a thread."""
    sys.path[:0] = [directory, os.path.join(root, "scripts"), root]
    os.chdir(root)
    settings = "bench_settings"
    if override:  # NAME=VALUE (a Python literal) over the benchmark's settings
        name, _, value = override.partition("=")
        Path(directory, "bench_override.py").write_text(f"from bench_settings import *  # noqa\n{name} = {value}\n")
        settings = "bench_override"
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": settings,
            **BENCH_ENVIRONMENT,
            "ALLOWED_HOSTS": "testserver",
            "STATIC_ROOT": os.path.join(directory, "static"),
            "DATABASE_URL": f"sqlite:///{os.path.join(directory, 'bench.sqlite3')}",
            "TASKS_BACKEND": "immediate",  # the set-up's remote steps run inside its requests
        }
    )
    for name in ("ADOBE_CLIENT_ID", "ADOBE_CLIENT_SECRET", "ADOBE_ORG_ID", "IMS_URL", "FLOW_SERVICE_URL", "CACHE_URL"):
        os.environ.pop(name, None)
    from connections.flowservice_emulator import BackgroundEmulator, make_emulator

    os.environ["EMULATOR_URL"] = BackgroundEmulator(make_emulator()).start().url
    import django

    django.setup()


def _seeded() -> dict[str, tuple[Any, str]]:
    """The load benchmark's database and users; each page's client and URL."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from connections.models import Onboarding

    for command, options in (("migrate", {}), ("collectstatic", {"interactive": False})):
        call_command(command, verbosity=0, **options)
    call_command("seed_demo_history", onboardings=300, calls_per_onboarding=5, verbosity=0)
    users = get_user_model().objects
    user, ninth = users.create_user("bench-8"), users.create_user("bench-9")
    Onboarding.objects.filter(owner__username="demo-owner-01").update(owner=ninth)
    client, client9 = Client(), Client()
    client.force_login(user)
    client9.force_login(ninth)
    done, at_source, in_flight = (_onboard(client, name, name == "measured") for name in ("measured", "at", "flight"))
    # Its step claimed a day ahead: never judged abandoned while measured, so its progress polls answer 204.
    later = timezone.now() + datetime.timedelta(days=1)
    Onboarding.objects.filter(pk=in_flight.pk).update(status=Onboarding.Status.CREATING_BASE, step_started_at=later)
    return {
        "floor": (client, "/bench-floor/"),
        "list": (client, "/onboardings/"),
        "list20": (client9, "/onboardings/"),
        "new": (client, "/onboardings/new/"),
        "done": (client, f"/onboardings/{done.public_id}/done/"),
        "source": (client, f"/onboardings/{at_source.public_id}/source/"),
        "progress": (client, f"/onboardings/{in_flight.public_id}/account/"),
        "poll": (client, f"/onboardings/{in_flight.public_id}/status/"),
    }


def _onboard(client: Any, name: str, source: bool) -> Any:
    """An onboarding made through the wizard's forms, as far as Source (or Done)."""
    from connections.models import Onboarding
    from tests.conftest import account_post, source_post

    def tokens(page: Any) -> dict[str, str]:
        return dict(re.findall(r'name="(csrfmiddlewaretoken|creation_token)" value="([^"]+)"', page.content.decode()))

    data = {**account_post(), "name": name, **tokens(client.get("/onboardings/new/"))}
    assert client.post("/onboardings/new/", data).status_code == 302
    onboarding = Onboarding.objects.get(name=name)
    if source:
        url = f"/onboardings/{onboarding.public_id}/source/"
        data = {**source_post(consumer_group=f"cg-{name}"), **tokens(client.get(url))}
        assert client.post(url, data).status_code == 302
    return onboarding


def worker(root: str, directory: str, override: str, close: bool) -> None:
    """Set up a database like the load benchmark's, then answer {"page": name, "n": count} lines with timings."""
    answer = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # the app's logging writes to stdout: keep it off the answers
    _configure(root, directory, override)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    urls = _seeded()

    def timed(page: str, count: int) -> list[float]:
        who, url = urls[page]
        timings = []
        for _ in range(count):
            started = time.process_time()
            response = who.get(url)
            if close:
                connection.close()
            timings.append((time.process_time() - started) * 1000)
            assert response.status_code in (200, 204), (url, response.status_code)
        return timings

    for page in PAGES:
        timed(page, 3)  # warm the caches (templates, URL resolvers, static manifest)
    print(json.dumps({"ready": True}), file=answer, flush=True)
    for line in sys.stdin:
        asked = json.loads(line)
        if "page" in asked:
            print(json.dumps(timed(asked["page"], asked["n"])), file=answer, flush=True)
            continue
        counts = {}
        for page, (who, url) in urls.items():
            with CaptureQueriesContext(connection) as captured:
                who.get(url)
            counts[page] = len(captured)
        print(json.dumps(counts), file=answer, flush=True)


class Side:
    """One checkout (and settings module) in its own worker process."""

    def __init__(self, spec: str, close: bool) -> None:
        root, _, override = spec.partition("@")
        directory = tempfile.mkdtemp(prefix="eh-bench-pages-")
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        argv = [sys.executable, __file__, "--worker", str(Path(root).resolve()), directory, override]
        self.process = subprocess.Popen(
            [*argv, *(["--close"] if close else [])], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.ask({})  # its set-up done
        self.medians: dict[str, list[float]] = {page: [] for page in PAGES}

    def ask(self, question: dict[str, Any]) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        if question:
            self.process.stdin.write(json.dumps(question) + "\n")
            self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


def main() -> int:
    if sys.argv[1:2] == ["--worker"]:
        worker(*sys.argv[2:5], close="--close" in sys.argv)
        return 0
    parser = argparse.ArgumentParser()
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--requests", type=int, default=30, help="per page, per round, per checkout")
    parser.add_argument("--close", action="store_true", help="a new database connection per request")
    args = parser.parse_args()
    sides = [Side(args.old, args.close), Side(args.new, args.close)]
    for _ in range(args.rounds):
        for page in PAGES:
            for side in sides:
                side.medians[page].append(statistics.median(side.ask({"page": page, "n": args.requests})))
    queries = [side.ask({"queries": True}) for side in sides]
    best = [{page: min(values) for page, values in side.medians.items()} for side in sides]
    print(f"CPU ms per request (best of {args.rounds} rounds, each the median of {args.requests} requests)")
    print(f"  old: {args.old}\n  new: {args.new}")
    print(f"{'page':10} {'old':>8} {'new':>8} {'new/old':>8}   {'old/floor':>9} {'new/floor':>9}   queries old, new")
    for page in PAGES:
        old, new = best[0][page], best[1][page]
        over = [b[page] / b["floor"] for b in best]
        counts = f"{queries[0][page]}, {queries[1][page]}"
        print(f"{page:10} {old:8.2f} {new:8.2f} {new / old:7.2f}x   {over[0]:8.2f}x {over[1]:8.2f}x   {counts}")
    for side in sides:
        side.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
