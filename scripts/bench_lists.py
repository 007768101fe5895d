"""How the list pages scale: timings at 1,000 onboardings (10,000 calls) and at 100,000 (1,000,000).

Prints, for each page, the median time at both sizes, their ratio and the budget (within 1.5x) met or missed.
Uses its own database (created here), never yours:

    python scripts/bench_lists.py                       # SQLite file in a new temporary directory
    python scripts/bench_lists.py --postgres            # database eh_bench on 127.0.0.1:5432
    python scripts/bench_lists.py --small 1000 --large 100000 --calls 10 --runs 15
    python scripts/bench_lists.py --quick               # 10,000 at most, 5 runs: checks the bench runs
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    ("admin: onboardings", "/admin/connections/onboarding/"),
    ("admin: onboardings, filtered", "/admin/connections/onboarding/?status=source_created&sandbox=prod"),
    ("admin: Flow Service calls", "/admin/connections/flowservicecall/"),
    ("admin: calls, filtered", "/admin/connections/flowservicecall/?status=503&operation=create_base_connection"),
    ("admin: state changes", "/admin/connections/statechange/"),
    ("My onboardings", "/onboardings/"),
]


def prepare_database(postgres: bool) -> None:
    if postgres:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS eh_bench")
            conn.execute("CREATE DATABASE eh_bench")
        os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/eh_bench"
    else:
        # Its own directory each run: two checkouts benchmarking at once never share a file.
        path = Path(tempfile.mkdtemp(prefix="eh-bench-")) / "bench.sqlite3"
        atexit.register(shutil.rmtree, path.parent, ignore_errors=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"


def measure(client, url: str, runs: int) -> float:
    for _ in range(3):  # warm caches
        assert client.get(url).status_code == 200, url
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, url
    return statistics.median(timings)


def measure_sizes(client: Any, admin: Any, args: argparse.Namespace) -> dict[str, list[float]]:
    """Grow the database to each size in turn and time every page at it."""
    from django.core.management import call_command
    from django.db import connection

    from connections.models import Onboarding

    results: dict[str, list[float]] = {}
    done = 0
    for size in (args.small, args.large):
        started = time.monotonic()
        call_command(
            "seed_demo_history", onboardings=size - done, calls_per_onboarding=args.calls, seed=size, verbosity=0
        )
        # My onboardings is measured for a user who owns a twentieth of them, as a real owner would.
        Onboarding.objects.filter(owner__username="demo-owner-01").update(owner=admin)
        done = size
        print(
            f"{connection.vendor}: {size:,} onboardings, {size * args.calls:,} calls "
            f"(generated in {time.monotonic() - started:.0f} s)",
            flush=True,
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        for label, url in PAGES:
            results.setdefault(label, []).append(measure(client, url, args.runs))

    return results


BUDGET = 1.5  # a page at the large size, over the same page at the small size


def report(results: dict[str, list[float]], args: argparse.Namespace) -> None:
    print(f"\nThe list pages from {args.small:,} to {args.large:,} onboardings (median of {args.runs} requests)")
    print(f"  {'page':34} {args.small:>10,} {args.large:>10,}   ratio")
    for label, (small, large) in results.items():
        ratio = large / small
        verdict = "met" if ratio <= BUDGET else "MISSED"
        print(
            f"  {label:34} {small * 1000:8.1f}ms {large * 1000:8.1f}ms   {ratio:4.2f}x  budget <= {BUDGET}x {verdict}"
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=10, help="calls per onboarding")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="--large 10000 --runs 5")
    args = parser.parse_args()
    if args.quick:
        args.large, args.runs = min(args.large, 10_000), 5
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    prepare_database(args.postgres)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"  # fixed keys, plain static files, no .env

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    admin = get_user_model().objects.create_superuser("bench-admin", password="x")
    client = Client()
    client.force_login(admin)

    results = measure_sizes(client, admin, args)
    report(results, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
