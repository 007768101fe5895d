"""`make bench`, out of one machine: the app as several machines run it (PostgreSQL, Redis, RQ) against SQLite.

Starts, on loopback only, two stacks as `make serve` does (gunicorn with 2 sync workers each, the emulator):
- PostgreSQL (database eh_bench_cluster on 127.0.0.1:5432, dropped and created again), Redis for the cache and
  the sessions and RQ for the tasks (an empty Redis database number at 127.0.0.1:6379, emptied again), with two RQ
  worker processes of 4 jobs at once each;
- SQLite with the embedded task worker, the default.

Then measures, in interleaved rounds (a busy neighbour on this shared machine slows both sides of a ratio alike):
- the bare logged-in page on PostgreSQL with Redis over the same on SQLite (p95 under 16 clients; within 1x);
- on RQ, the slowest of 8 onboardings (Connect, Source) started at once over one alone in the same round, Adobe
  answering every call in 0.3 s (within 2x); each connection created once.

    python scripts/bench_cluster.py              # 7 rounds
    python scripts/bench_cluster.py --quick      # 3 rounds, fewer requests: checks the bench runs

Skipped (with a line saying so) when no Redis or PostgreSQL answers on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from typing import Any

from bench_load import (
    ADOBE_DELAY,
    PASSWORD,
    ROOT,
    RQ_JOBS_PER_WORKER,
    Person,
    Stack,
    hammer,
    line,
    make_users,
    onboard,
    p95,
    rounds_of,
    run_all,
)

FLOOR = "/bench-floor/"
AT_ONCE = 8
REDIS_DB = 1 + os.getpid() % 15  # the first database number tried (RQ's queues have fixed names)


def redis(number: int = REDIS_DB) -> Any:
    import redis

    return redis.Redis(host="127.0.0.1", port=6379, db=number, socket_connect_timeout=2)


def empty_redis_db() -> int:
    """A Redis database number nobody uses now (others' test runs and benches may share this Redis)."""
    for offset in range(15):
        number = 1 + (REDIS_DB - 1 + offset) % 15
        if redis(number).dbsize() == 0:
            return number
    raise SystemExit("no empty Redis database at 127.0.0.1:6379 (1-15)")


def reachable() -> str:
    """Why the cluster cannot be benchmarked here ('' when Redis and PostgreSQL both answer)."""
    import psycopg
    from redis.exceptions import ConnectionError as RedisDown

    try:
        redis().ping()
    except RedisDown:
        return "no Redis answers at 127.0.0.1:6379"
    try:
        psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=2).close()
    except psycopg.OperationalError:
        return "no PostgreSQL answers at 127.0.0.1:5432"
    return ""


def bare_pages(stacks: dict[str, Stack], clients: int, rounds: int, count: int) -> dict[str, list[float]]:
    """The bare page's p95 on each stack, the stacks in turns within each round (their order alternating)."""
    people = {name: [Person(stack.web, "bench-9") for _ in range(clients)] for name, stack in stacks.items()}
    for name in stacks:  # warm: each gunicorn worker has its connections and code loaded
        hammer(people[name], FLOOR, 3)
    p95s: dict[str, list[float]] = {name: [] for name in stacks}
    for number in range(rounds):
        order = list(stacks) if number % 2 == 0 else list(stacks)[::-1]
        for name in order:
            p95s[name].append(p95(hammer(people[name], FLOOR, count)))
    return p95s


def onboarding_seconds(person: Person, name: str) -> float:
    """One onboarding's Connect and Source: from the first POST to Done on screen."""
    started = time.perf_counter()
    onboard(person, name, until="Done")
    return time.perf_counter() - started


def at_once(people: list[Person], prefix: str) -> list[float]:
    """Each person onboards at the same moment; each one's time."""
    times: list[float] = []
    lock = threading.Lock()

    def one(index: int) -> None:
        seconds = onboarding_seconds(people[index], f"{prefix}-{index}")
        with lock:
            times.append(seconds)

    run_all([lambda i=i: one(i) for i in range(len(people))])  # type: ignore[misc]
    return times


def slowest_of_eight(stack: Stack, rounds: int) -> tuple[list[float], list[float], list[float], int]:
    """Round after round, one onboarding alone then 8 at once: (alone, slowest, each round's ratio, creates)."""
    from connections.models import FlowServiceCall

    stack.slow_adobe(ADOBE_DELAY)
    alone_person = Person(stack.web, "bench-8")
    people = [Person(stack.web, f"bench-{n}") for n in range(AT_ONCE)]
    onboarding_seconds(alone_person, "warm-up")
    alone: list[float] = []
    slowest: list[float] = []
    for number in range(rounds):
        alone.append(onboarding_seconds(alone_person, f"alone-{number}"))
        slowest.append(max(at_once(people, f"round-{number}")))
    creates = FlowServiceCall.objects.filter(onboarding__name__startswith="round-", operation__startswith="create_")
    return alone, slowest, [s / a for s, a in zip(slowest, alone, strict=True)], creates.count()


def add_user(stack: Stack) -> None:
    """The bare page's person on a stack whose database this process is not set up on."""
    create = "from django.contrib.auth import get_user_model as m; m().objects.create_user('bench-9', password=%r)"
    command = [sys.executable, "manage.py", "shell", "-c", create % PASSWORD]
    subprocess.run(command, cwd=ROOT, env=stack.env, check=True)


def report(p95s: dict[str, list[float]], onboardings: tuple[list[float], list[float], list[float], int]) -> bool:
    print("\nThe bare logged-in page, p95 under load, the two stacks in turns")
    for name, values in p95s.items():
        print(f"  {name:32} p95 {statistics.median(values) * 1000:5.0f} ms   rounds (ms): {ms_of(values)}")
    ratios = [pg / lite for pg, lite in zip(*p95s.values(), strict=True)]
    ratio = statistics.median(ratios)
    met = [line("The bare page: PostgreSQL with Redis / SQLite", ratio, 1, detail=rounds_of(ratios))]
    alone, slowest, each, creates = onboardings
    workers = f"2 worker processes of {RQ_JOBS_PER_WORKER} jobs each"
    print(f"\nRQ, {workers}; Adobe answering in {ADOBE_DELAY} s a call; Connect and Source, round after round")
    detail = f"{statistics.median(slowest):.2f} s / {statistics.median(alone):.2f} s; {creates} creates for "
    detail += f"{2 * AT_ONCE * len(alone)}; {rounds_of(each)}"
    met.append(line(f"The slowest of {AT_ONCE} on RQ / one alone", statistics.median(each), 2, detail=detail))
    return all(met)


def ms_of(values: list[float]) -> str:
    return ", ".join(f"{value * 1000:.0f}" for value in values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds")
    parser.add_argument("--requests", type=int, default=24, help="per client, per stack, per round")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--quick", action="store_true", help="3 rounds, 10 requests")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.requests = 3, 10
    if why := reachable():
        print(f"\nOut of one machine: not measured ({why})")
        return 0
    number = empty_redis_db()
    cluster = Stack(postgres=True, redis_db=number, database="eh_bench_cluster")
    sqlite = Stack(postgres=False)
    os.environ.update(cluster.env)
    try:
        cluster.start()
        sqlite.start()
        import django

        django.setup()
        make_users()
        add_user(sqlite)
        print(f"PostgreSQL, Redis and RQ: {cluster.web}; SQLite and the embedded worker: {sqlite.web}")
        stacks = {"PostgreSQL with Redis (RQ)": cluster, "SQLite (embedded worker)": sqlite}
        p95s = bare_pages(stacks, args.clients, args.rounds, args.requests)
        sqlite.stop()
        report(p95s, slowest_of_eight(cluster, args.rounds))
    finally:
        sqlite.stop()
        cluster.stop()
        redis(number).flushdb()
    return 0


if __name__ == "__main__":
    sys.exit(main())
