"""How the list pages scale: each at 1,000 onboardings (10,000 calls) against the same at 100,000 (1,000,000).

Two processes, each with its own database seeded to one size, answer the same pages in turns, round after
round, so a busy neighbour slows both alike; each line is the median over the rounds of the large size's median
time over the small size's, against the budget (within 1.5x). Uses its own databases (created here), never yours:

    python scripts/bench_lists.py                       # SQLite files in new temporary directories
    python scripts/bench_lists.py --postgres            # databases eh_bench_<size> on 127.0.0.1:5432
    python scripts/bench_lists.py --small 1000 --large 100000 --calls 10 --rounds 5 --requests 9
    python scripts/bench_lists.py --quick               # 10,000 at most, 3 rounds: checks the bench runs
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    "admin: onboardings": "/admin/connections/onboarding/",
    "admin: onboardings, filtered": "/admin/connections/onboarding/?status=source_created&sandbox=prod",
    "admin: Flow Service calls": "/admin/connections/flowservicecall/",
    "admin: calls, filtered": "/admin/connections/flowservicecall/?status=503&operation=create_base_connection",
    "admin: state changes": "/admin/connections/statechange/",
    "My onboardings": "/onboardings/",
}
BUDGET = 1.5  # a page at the large size over the same page at the small size


def prepare_database(postgres: bool, size: int) -> None:
    if postgres:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS eh_bench_{size}")
            conn.execute(f"CREATE DATABASE eh_bench_{size}")
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/eh_bench_{size}"
    else:
        # Its own directory each run: two checkouts benchmarking at once never share a file.
        path = Path(tempfile.mkdtemp(prefix="eh-bench-")) / "bench.sqlite3"
        atexit.register(shutil.rmtree, path.parent, ignore_errors=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"


def seeded(size: int, calls: int) -> Any:
    """`size` onboardings with `calls` calls each, and a test client logged in as a superuser who owns a
    twentieth of them (My onboardings is measured for an owner, as a real one would use it)."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from connections.models import Onboarding

    call_command("migrate", verbosity=0)
    call_command("seed_demo_history", onboardings=size, calls_per_onboarding=calls, seed=size, verbosity=0)
    admin = get_user_model().objects.create_superuser("bench-admin", password="x")
    Onboarding.objects.filter(owner__username="demo-owner-01").update(owner=admin)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    client = Client()
    client.force_login(admin)
    return client


def worker(size: int, calls: int, postgres: bool) -> None:
    """Seed a database of `size`, then answer each {"page": label, "n": count} line with the page's timings."""
    answer = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # the seeding and the app's logging write to stdout: keep them off the answers
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    prepare_database(postgres, size)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"  # fixed keys, plain static files, no .env
    client = seeded(size, calls)
    for url in PAGES.values():
        for _ in range(3):  # warm the caches
            assert client.get(url).status_code == 200, url
    print(json.dumps({"ready": True}), file=answer, flush=True)
    for line in sys.stdin:
        asked = json.loads(line)
        timings = []
        for _ in range(asked["n"]):
            started = time.perf_counter()
            response = client.get(PAGES[asked["page"]])
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, asked["page"]
        print(json.dumps(timings), file=answer, flush=True)


class Size:
    """A worker process holding a database of one size."""

    def __init__(self, size: int, args: argparse.Namespace) -> None:
        self.size = size
        argv = [sys.executable, __file__, "--worker", str(size), "--calls", str(args.calls)]
        argv += ["--postgres"] if args.postgres else []
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ready(self) -> None:
        assert self.process.stdout is not None
        assert json.loads(self.process.stdout.readline()) == {"ready": True}, f"{self.size} did not start"

    def median(self, page: str, count: int) -> float:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"page": page, "n": count}) + "\n")
        self.process.stdin.flush()
        return statistics.median(json.loads(self.process.stdout.readline()))

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=10, help="calls per onboarding")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=9, help="per page, per round, per size")
    parser.add_argument("--quick", action="store_true", help="--large 10000 --rounds 3 --requests 5")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.calls, args.postgres)
        return 0
    if args.quick:
        args.large, args.rounds, args.requests = min(args.large, 10_000), 3, 5
    started = time.monotonic()
    small, large = Size(args.small, args), Size(args.large, args)  # seeded side by side
    try:
        for side in (small, large):
            side.ready()
        print(f"{args.small:,} and {args.large:,} onboardings seeded in {time.monotonic() - started:.0f} s", flush=True)
        times: dict[str, list[tuple[float, float]]] = {page: [] for page in PAGES}
        for _ in range(args.rounds):
            for page in PAGES:
                times[page].append((small.median(page, args.requests), large.median(page, args.requests)))
    finally:
        for side in (small, large):
            side.stop()
    report(times, args)
    return 0


def report(times: dict[str, list[tuple[float, float]]], args: argparse.Namespace) -> None:
    print(f"\nThe list pages from {args.small:,} to {args.large:,} onboardings, {args.calls} calls each")
    print(f"(median of {args.rounds} rounds, each the median of {args.requests} requests at each size)")
    print(f"  {'page':34} {args.small:>10,} {args.large:>10,}   ratio")
    for page, rounds in times.items():
        small, large = (statistics.median(side) for side in zip(*rounds, strict=True))
        ratio = statistics.median(big / little for little, big in rounds)
        verdict = "met" if ratio <= BUDGET else "MISSED"
        print(f"  {page:34} {small * 1000:8.1f}ms {large * 1000:8.1f}ms {ratio:6.2f}x  <= {BUDGET}x  {verdict}")


if __name__ == "__main__":
    sys.exit(main())
