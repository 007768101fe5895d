"""`make bench`: the performance budgets, measured on a real server, each printed with its budget and met/missed.

Starts, on loopback only, its own database, the emulator (faults on, so it can be made slow), gunicorn with 2
workers of 4 threads and the task worker as `make serve` does; then measures, as people's browsers would use the app:

- each wizard page and My onboardings against the bare logged-in page (p95 within 3x);
- each admin list against Django's stock ModelAdmin on the same rows and columns (p95 within 1.3x);
- Connect, Source and Finish, from the POST to the next page, against their raw Adobe calls (within 1.5x),
  and a whole onboarding (Connect and Source) against its raw calls (within 1.2x), Adobe answering in 0.3 s;
- another person's p95 while 8 onboardings wait on that slow Adobe, against their idle p95 (within 1.5x);
- each web worker's memory after 1,000 requests (within 100 MB).

    python scripts/bench_load.py                 # SQLite file in a new temporary directory
    python scripts/bench_load.py --postgres      # database eh_bench_load on 127.0.0.1:5432 (dropped, recreated)
    python scripts/bench_load.py --quick         # fewer rounds: checks the bench runs, its numbers mean little

The client is browser-less but follows the pages as a browser does: it submits a form with the fields the page
holds (as htmx posts it where the form says so), then polls the progress URL the page polls, at the page's
interval, until the next page is there. The pages and their floors are hammered in short alternating bursts, and
each ratio is the median of interleaved rounds: on a shared machine a busy neighbour slows both sides alike.
Bounded: every request has a timeout, every phase a request count.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests
from bench_env import BENCH_ENVIRONMENT

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
PASSWORD = "bench-password-1"
ADOBE_DELAY = 0.3  # seconds every call to Adobe takes while a budget is measured "on a slow Adobe"
MEMORY_AFTER = 1000  # the web workers' memory is read once they have served at least this many requests
TIMEOUT = 120
RQ_JOBS_PER_WORKER = 4  # each RQ worker process runs a pool of this many: two of them run 8 jobs at once
NEW = "/onboardings/new/"
ORDER_SCHEMA = "Order events"  # the emulator's schema the raw `orders` hub is mapped onto
FLOW_STATE = 'id="flow-state"'  # the dataflow's state on Data arriving, once Adobe has reported it


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    raise SystemExit(f"{url} did not start")


def p95(timings: list[float]) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


class Stack:
    """Database, emulator, gunicorn and the task worker, as `make serve` runs them."""

    def __init__(
        self,
        postgres: bool,
        redis_db: int | None = None,
        rq_workers: int = 2,
        database: str = "eh_bench_load",
    ) -> None:
        """On `redis_db` (a Redis database number at 127.0.0.1:6379): Redis for the cache (and so sessions) and
        RQ for the tasks, with `rq_workers` worker processes; else the task worker of `make serve`."""
        self.dir = Path(tempfile.mkdtemp(prefix="eh-bench-load-"))
        self.web = f"http://127.0.0.1:{free_port()}"
        self.emulator = f"http://127.0.0.1:{free_port()}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("ADOBE_", "DJANGO_", "TASKS_"))},
            "PYTHONPATH": f"{ROOT / 'scripts'}:{ROOT}",
            "DJANGO_SETTINGS_MODULE": "bench_settings",
            **BENCH_ENVIRONMENT,
            "ALLOWED_HOSTS": "127.0.0.1",
            "EMULATOR_URL": self.emulator,
            "STATIC_ROOT": str(self.dir / "static"),
            "DATABASE_URL": self._database(database if postgres else ""),
        }
        self.workers = [[sys.executable, "manage.py", "run_tasks", "--threads", "8"]]
        if redis_db is not None:
            redis = f"redis://127.0.0.1:6379/{redis_db}"
            self.env |= {"CACHE_URL": redis, "REDIS_URL": redis, "TASKS_BACKEND": "rq"}
            self.workers = [[*self.workers[0][:-1], str(RQ_JOBS_PER_WORKER)]] * rq_workers
        self.processes: list[subprocess.Popen[bytes]] = []

    def _database(self, name: str) -> str:
        """The PostgreSQL database `name` (dropped and created again), or with no name a new SQLite file."""
        if not name:
            return f"sqlite:///{self.dir / 'bench.sqlite3'}"
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
        return f"postgres://postgres@127.0.0.1:5432/{name}"

    def manage(self, *args: str) -> None:
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True)

    def start(self) -> None:
        self.manage("migrate", "--noinput", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")
        self.manage("seed_demo_history", "--onboardings", "300", "--calls-per-onboarding", "5", "-v0")
        port = self.emulator.rsplit(":", 1)[1]
        state = str(self.dir / "emulator.sqlite3")
        emulator = ["-m", "connections.flowservice_emulator", "--port", port, "--faults", "--quiet", "--state", state]
        self._spawn([sys.executable, *emulator])
        for worker in self.workers:
            self._spawn(worker)
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        bind = self.web.removeprefix("http://")
        self._spawn(
            [gunicorn, "onboarding.wsgi:application", "--bind", bind, "--log-level", "warning"]  # gunicorn.conf.py
        )
        wait_for(self.emulator + "/__emulator__/stats")
        wait_for(self.web + "/login/")

    def _spawn(self, argv: list[str]) -> None:
        self.processes.append(subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL))

    def slow_adobe(self, seconds: float) -> None:
        """Every call to Adobe (IMS and every API) answers after `seconds` (the emulator's fault controls)."""
        requests.delete(self.emulator + "/__emulator__/faults", timeout=5)
        if seconds:
            fault = {"path": "*", "delay": seconds, "count": 1_000_000}
            requests.post(self.emulator + "/__emulator__/faults", json=fault, timeout=5).raise_for_status()

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of gunicorn's worker processes."""
        master = self.processes[-1].pid
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        sizes = []
        for pid in children:
            status = Path(f"/proc/{pid}/status").read_text()
            sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)  # type: ignore[union-attr]
        return sizes

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class Served:
    """How many requests the web server has answered for this run (pages, polls and logins alike)."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def add(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        with self._lock:
            self.count += 1


SERVED = Served()


@dataclass
class Page:
    url: str  # the address the browser shows
    html: str


class Person:
    """One person's browser, logged in: it submits the forms a page holds and polls as the page says."""

    poll: float | None = None  # poll a progress at this interval instead of the page's (--poll)

    def __init__(self, web: str, username: str) -> None:
        self.web = web
        self.session = requests.Session()
        self.session.hooks["response"].append(SERVED.add)
        login = self.get("/login/")
        answer = self.submit(login, "Log in", username=username, password=PASSWORD)
        assert "My onboardings" in answer.html, f"{username} could not log in"

    def get(self, path: str) -> Page:
        answer = self.session.get(self.web + path, timeout=TIMEOUT)
        assert answer.status_code == 200, (path, answer.status_code)
        return Page(answer.url.removeprefix(self.web), answer.text)

    def submit(self, page: Page, button: str, **fields: str) -> Page:
        """The form holding `button`, its fields as the page holds them but for `fields`, sent as the page sends
        it (htmx's hx-post where the form has one); what the browser shows then, progress polled to its end."""
        tag, data = form_fields(page.html, button)
        htmx_url = attribute(tag, "hx-post")
        url = htmx_url or attribute(tag, "action") or page.url
        headers = {"Referer": self.web + page.url}
        if htmx_url:
            headers |= self._htmx(page, attribute(tag, "hx-target"))
        answer = self.session.post(self.web + url, data={**data, **fields}, headers=headers, timeout=TIMEOUT)
        assert answer.status_code == 200, (url, answer.status_code)
        return self.settle(self._shown(answer, page.url if htmx_url else answer.url.removeprefix(self.web)))

    def settle(self, page: Page) -> Page:
        """While the page shows a progress that polls, poll it at its interval as htmx does, until the answer
        is the next page (an htmx redirect, or a part swapped in with no progress left)."""
        while polled := poll_of(page.html, 'role="status"'):
            url, every, target = polled
            time.sleep(self.poll or every)
            answer = self.session.get(self.web + url, headers=self._htmx(page, target), timeout=TIMEOUT)
            if answer.status_code != 204:
                page = self._shown(answer, page.url)
        return page

    def refreshed(self, page: Page, region: str, shown: str) -> str:
        """The part of `page` that refreshes itself (the element with id `region`), polled at its interval as
        htmx does until it shows `shown`."""
        polled = poll_of(page.html, f'id="{region}"')
        assert polled, f"no {region} on the page"
        url, every, target = polled
        part = page.html
        while shown not in part:
            time.sleep(every)
            answer = self.session.get(self.web + url, headers=self._htmx(page, target), timeout=TIMEOUT)
            part = answer.text if answer.status_code == 200 else ""
        return part

    def _htmx(self, page: Page, target: str) -> dict[str, str]:
        """The headers htmx sends with a request it makes from `page` for the element `target` (#id)."""
        headers = {"HX-Request": "true", "HX-Current-URL": self.web + page.url}
        return headers | ({"HX-Target": target.removeprefix("#")} if target else {})

    def _shown(self, answer: requests.Response, url: str) -> Page:
        """What the browser shows after `answer`: the page htmx redirects to, or the answer at its pushed URL."""
        if redirect := answer.headers.get("HX-Redirect"):
            return self.get(redirect)
        return Page(answer.headers.get("HX-Push-Url", url), answer.text)


def attribute(tag: str, name: str) -> str:
    found = re.search(rf'\s{name}="([^"]*)"', tag)
    return html.unescape(found.group(1)) if found else ""


def form_fields(page: str, button: str) -> tuple[str, dict[str, str]]:
    """The opening tag of the POST form holding the submit button labelled `button`, and what a browser sends
    submitting it with that button: its inputs' values (radios and checkboxes only when checked), its
    textareas, and the button's own name and value."""
    for found in re.finditer(r"(<form[^>]*>)(.*?)</form>", page, re.S):
        tag, body = found.groups()
        pressed = re.search(r"<button[^>]*>\s*" + re.escape(button), body)
        if 'method="post"' not in tag or not pressed:
            continue
        data = {}
        for field in re.findall(r"<input[^>]*>", body):
            name, kind = attribute(field, "name"), attribute(field, "type") or "text"
            if name and kind not in ("file", "submit") and (kind not in ("radio", "checkbox") or " checked" in field):
                data[name] = attribute(field, "value")
        for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', body, re.S):
            data[name] = html.unescape(text)
        if name := attribute(pressed.group(0), "name"):
            data[name] = attribute(pressed.group(0), "value")
        return tag, data
    raise AssertionError(f"no form with a {button!r} button")


def poll_of(page: str, marked: str) -> tuple[str, float, str] | None:
    """What an element of the page whose tag holds `marked` polls (hx-get every N seconds): the URL, the
    interval, and the element's id (htmx's target)."""
    for tag in re.findall(r"<div[^>]*>", page):
        every = re.search(r"every (\d+(?:\.\d+)?)(ms|s)", attribute(tag, "hx-trigger"))
        if marked in tag and attribute(tag, "hx-get") and every:
            seconds = float(every.group(1)) / (1000 if every.group(2) == "ms" else 1)
            return attribute(tag, "hx-get"), seconds, attribute(tag, "id")
    return None


# A person's steps through the wizard, each timed from the POST to the next page


@dataclass
class Step:
    seconds: float  # from the POST to the next page on screen
    adobe: float  # the raw calls to Adobe the step made (their durations, summed)


def timed[Shown](name: str, act: Callable[[], Shown]) -> tuple[Step, Shown]:
    """`act` (a submit, progress polled to its end) timed, with the calls to Adobe it made for onboarding `name`."""
    from django.utils import timezone

    from connections.models import FlowServiceCall

    since = timezone.now()
    started = time.perf_counter()
    page = act()
    seconds = time.perf_counter() - started
    calls = FlowServiceCall.objects.filter(onboarding__name=name, created_at__gte=since)
    return Step(seconds, sum(calls.values_list("duration_ms", flat=True)) / 1000), page


def onboard(person: Person, name: str, until: str = "Finish") -> tuple[dict[str, Step], dict[str, Page]]:
    """An onboarding through the wizard, then its dataflow (select data, dataset, mapping, review), as far as
    `until`: Connect, Source and Finish timed; the page each step leads to."""
    from tests.conftest import account_post, source_post

    steps: dict[str, Step] = {}
    pages = {"Account": person.get(NEW)}
    steps["Connect"], pages["Source"] = timed(
        name, lambda: person.submit(pages["Account"], "Connect to Adobe", **account_post(name=name))
    )
    if until == "Source":
        return steps, pages
    fields = source_post(consumer_group=f"cg-{name}")
    steps["Source"], pages["Done"] = timed(
        name, lambda: person.submit(pages["Source"], "Create source connection", **fields)
    )
    assert "Your Event Hubs account is connected" in pages["Done"].html, f"{name} did not finish"
    if until == "Done":
        return steps, pages
    pages["Review"] = to_review(person, pages["Done"], name)
    if until == "Review":
        return steps, pages
    steps["Finish"], pages["Data arriving"] = timed(name, lambda: person.submit(pages["Review"], "Finish"))
    assert 'data-step="watch"' in pages["Data arriving"].html, f"{name}'s dataflow was not created"
    # Then until the page shows the dataflow's state, as Adobe reports it (the activity it refreshes).
    steps["Activity"] = timed(name, lambda: person.refreshed(pages["Data arriving"], "activity-region", FLOW_STATE))[0]
    return steps, pages


def to_review(person: Person, done: Page, name: str) -> Page:
    """A dataflow of the onboarding on `done` into a new dataset, its choices made as far as its Review page."""
    data = person.submit(done, "Set up the dataflow")
    dataset = person.settle(person.get(found(r'href="([^"]+)"[^>]*>Next: dataset', data.html)))
    schema = found(rf'value="([^"]+)"[^>]*>\s*<span class="choice__label">{ORDER_SCHEMA}<', dataset.html)
    mapping = person.submit(dataset, "Next: mapping", choice="new", dataset_name=f"{name} events", schema_id=schema)
    review = person.submit(mapping, "Check and continue")
    assert 'data-step="review"' in review.html, f"{name}'s dataflow did not reach Review"
    return review


def found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not on the page"
    return match.group(1)


# Load: many clients on a page and its floor, and a burst of onboardings beside another person


def hammer(people: list[Person], path: str, count: int) -> list[float]:
    """Each person (one client each, all at once) GETs `path` `count` times; every response time."""
    timings: list[float] = []
    lock = threading.Lock()

    def client(person: Person) -> None:
        for _ in range(count):
            started = time.perf_counter()
            response = person.session.get(person.web + path, timeout=TIMEOUT)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, (path, response.status_code)
            with lock:
                timings.append(elapsed)

    run_all([lambda p=p: client(p) for p in people])  # type: ignore[misc]
    return timings


def run_all(jobs: list[Callable[[], object]]) -> None:
    threads = [threading.Thread(target=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def alternated(people: list[Person], floor: str, path: str, count: int) -> tuple[list[float], list[float]]:
    """The floor and the page in short alternating bursts (each client `count` requests of each, in three
    bursts): a neighbour's load on this shared machine then falls on both sides of the ratio alike."""
    floor_times: list[float] = []
    page_times: list[float] = []
    burst = max(1, count // 3)
    for start in range(0, count, burst):
        floor_times += hammer(people, floor, min(burst, count - start))
        page_times += hammer(people, path, min(burst, count - start))
    return floor_times, page_times


def page_ratios(pages: dict[str, tuple[list[Person], str, str]], rounds: int, count: int) -> dict[str, list[float]]:
    """Each page's p95 over its floor's p95 in the same round, round after round."""
    ratios: dict[str, list[float]] = {name: [] for name in pages}
    for _ in range(rounds):
        for name, (people, path, floor) in pages.items():
            floor_times, page_times = alternated(people, floor, path, count)
            ratios[name].append(p95(page_times) / p95(floor_times))
    return ratios


def burst(people: list[Person], other: Person) -> dict[str, float]:
    """Another person's p95 on My onboardings while eight onboard at once against a slow Adobe, against their
    p95 just before and just after (so a neighbour's load at either moment counts once); each one's time."""
    from connections.models import FlowServiceCall

    idle = hammer([other], "/onboardings/", 60)
    times: list[float] = []
    during: list[float] = []
    finished = threading.Event()

    def onboarding(index: int) -> None:
        started = time.perf_counter()
        onboard(people[index], f"burst-{index}", until="Done")
        times.append(time.perf_counter() - started)

    def meanwhile() -> None:
        while not finished.is_set():
            during.extend(hammer([other], "/onboardings/", 1))

    watcher = threading.Thread(target=meanwhile)
    watcher.start()
    run_all([lambda i=i: onboarding(i) for i in range(len(people))])  # type: ignore[misc]
    finished.set()
    watcher.join()
    idle += hammer([other], "/onboardings/", 60)
    creates = FlowServiceCall.objects.filter(onboarding__name__startswith="burst-", operation__startswith="create_")
    return {
        "ratio": p95(during) / p95(idle),
        "during": p95(during),
        "idle": p95(idle),
        "slowest": max(times),
        "finished": len(times),
        "creates": creates.count(),  # twice the onboardings when each created its two connections once
    }


# The run


def make_users() -> None:
    from django.contrib.auth import get_user_model

    from connections.models import Onboarding

    users = get_user_model().objects
    for number in range(10):
        users.create_user(f"bench-{number}", password=PASSWORD)
    users.create_superuser("bench-admin", password=PASSWORD)
    # The other person owns a twentieth of the demo onboardings, as a real owner would.
    Onboarding.objects.filter(owner__username="demo-owner-01").update(owner=users.get(username="bench-9"))


def journeys(stack: Stack, person: Person, count: int) -> dict[str, list[Step]]:
    """`count` onboardings and their dataflows one after another, Adobe answering in ADOBE_DELAY: each step."""
    stack.slow_adobe(ADOBE_DELAY)
    onboard(person, "warm-up")
    steps: dict[str, list[Step]] = {}
    for number in range(count):
        for name, step in onboard(person, f"measured-{number}")[0].items():
            steps.setdefault(name, []).append(step)
    return steps


def page_paths(person: Person) -> dict[str, str]:
    """The wizard's pages of `person`'s onboardings: one left at Source, one done, a dataflow at Review."""
    from connections.models import Onboarding

    source = onboard(person, "at-source", until="Source")[1]["Source"]
    review = onboard(person, "at-review", until="Review")[1]["Review"]
    done = Onboarding.objects.get(name="measured-0")
    # The fleet's dataflows go on an account of their own, so that Done (which lists its dataflows) is unchanged.
    onboard(person, "fleet-account", until="Done")
    fleet_of(Onboarding.objects.get(name="fleet-account"), FLEET_SIZE)
    return {
        "My onboardings": "/onboardings/",
        "Account (new)": NEW,
        "Source": attribute(form_fields(source.html, "Create source connection")[0], "hx-post"),
        "Done": f"/onboardings/{done.public_id}/done/",
        "Dataflow: Review": review.url,
        f"Fleet view ({FLEET_SIZE} dataflows)": "/dataflows/",
    }


FLEET_SIZE = 500


def fleet_of(onboarding: object, count: int) -> None:
    """`count` created dataflows on the onboarding's account, each with the summary the background read leaves
    (claimed for a day, so the worker does not ask the emulator about them while the bench runs)."""
    import datetime

    from django.utils import timezone

    from connections.models import Dataflow
    from monitoring.models import DataflowSummary

    now = timezone.now()
    flows = Dataflow.objects.bulk_create(
        Dataflow(
            onboarding=onboarding,
            name=f"Fleet {i:03d}",
            event_hub_name="orders",
            own_source=True,
            consumer_group=f"fleet-{i}",
            status=Dataflow.Status.CREATED,
            flow_id=f"fleet-{i}",
            dataset_name=f"Dataset {i}",
        )
        for i in range(count)
    )
    DataflowSummary.objects.bulk_create(
        DataflowSummary(
            dataflow=flow,
            state="enabled",
            received_day=240 + i,
            ingested_day=230,
            failed_day=10 if i % 3 == 0 else 0,
            failing=i % 3 == 0,
            trend=[i % 5] * 24,
            reasons=[{"code": "INGEST-1212-400", "message": "Not JSON", "recordCount": 3}] if i % 3 == 0 else [],
            asked_at=now,
            claimed_until=now + datetime.timedelta(days=1),
        )
        for i, flow in enumerate(flows)
    )


ADMIN_LISTS = {
    "admin: onboardings": "connections/onboarding/",
    "admin: Flow Service calls": "connections/flowservicecall/",
}


def run(stack: Stack, args: argparse.Namespace) -> dict[str, object]:
    owner = Person(stack.web, "bench-8")
    steps = journeys(stack, owner, args.journeys)
    stack.slow_adobe(0)
    paths = page_paths(owner)
    owners = [Person(stack.web, "bench-8") for _ in range(args.clients)]
    admins = [Person(stack.web, "bench-admin") for _ in range(args.clients)]
    pages = {name: (owners, path, "/bench-floor/") for name, path in paths.items()}
    pages |= {name: (admins, f"/admin/{path}", f"/bench-admin/{path}") for name, path in ADMIN_LISTS.items()}
    ratios = page_ratios(pages, args.rounds, args.requests)
    stack.slow_adobe(ADOBE_DELAY)
    onboarders = [Person(stack.web, f"bench-{n}") for n in range(8)]
    burst_result = burst(onboarders, Person(stack.web, "bench-9"))
    stack.slow_adobe(0)
    if SERVED.count < MEMORY_AFTER:  # a short run: top up so memory is read after real use
        hammer(owners, "/onboardings/", -(-(MEMORY_AFTER - SERVED.count) // len(owners)))
    return {"pages": ratios, "steps": steps, "burst": burst_result, "rss": stack.worker_rss_mb()}


# The report: one line a budget


def line(what: str, value: float, budget: float | None, unit: str = "x", detail: str = "") -> bool:
    """One measurement's line: the value, its budget and met/missed (no budget: shown for what it tells)."""
    met = budget is None or value <= budget
    limit, verdict = (f"<= {budget:g}{unit}", "met" if met else "MISSED") if budget is not None else ("", "")
    print(f"  {what:56} {value:7.2f}{unit:3}  {limit:10} {verdict:6}  {detail}")
    return met


def add(one: Step, other: Step) -> Step:
    return Step(one.seconds + other.seconds, one.adobe + other.adobe)


def step_line(what: str, steps: list[Step], budget: float | None) -> bool:
    """The median of the steps' time over their calls' time, against `budget`."""
    seconds, adobe = statistics.median(s.seconds for s in steps), statistics.median(s.adobe for s in steps)
    ratio = statistics.median(s.seconds / s.adobe for s in steps)
    return line(f"{what} / its Adobe calls", ratio, budget, detail=f"{seconds:.2f} s / {adobe:.2f} s")


def report(results: dict[str, object]) -> None:
    ratios: dict[str, list[float]] = results["pages"]  # type: ignore[assignment]
    steps: dict[str, list[Step]] = results["steps"]  # type: ignore[assignment]
    found: dict[str, float] = results["burst"]  # type: ignore[assignment]
    rss: list[float] = results["rss"]  # type: ignore[assignment]
    print("\nPages under load: p95 over its floor's p95 in the same round (median of the rounds)")
    outcomes = []
    for name, values in ratios.items():
        admin = name.startswith("admin:")
        what = f"{name} / {'stock ModelAdmin' if admin else 'bare logged-in page'}"
        outcomes.append(line(what, statistics.median(values), 1.3 if admin else 3, detail=rounds_of(values)))
    polled = f"every {Person.poll:g} s (--poll)" if Person.poll else "at the page's own interval"
    print(f"\nSteps, Adobe answering in {ADOBE_DELAY} s a call: from the POST to the next page, progress polled")
    print(f"{polled}, over the step's raw calls to Adobe (the median of {len(steps['Connect'])} onboardings)")
    onboardings = [add(c, s) for c, s in zip(steps["Connect"], steps["Source"], strict=True)]
    outcomes += [
        step_line("Connect → Source", steps["Connect"], 1.5),
        step_line("Source → Done", steps["Source"], 1.5),
        step_line("Finish → Data arriving", steps["Finish"], 1.5),
        step_line("Finish → the dataflow's state shown", list(map(add, steps["Finish"], steps["Activity"])), None),
        step_line("One onboarding (Connect, Source)", onboardings, 1.2),
    ]
    print(f"\nBurst: {found['finished']:.0f} onboardings at once, Adobe answering in {ADOBE_DELAY} s a call")
    detail = f"p95 {found['during'] * 1000:.0f} ms / {found['idle'] * 1000:.0f} ms"
    outcomes.append(line("Another person's p95 during / idle", found["ratio"], 1.5, detail=detail))
    alone = statistics.median(each.seconds for each in onboardings)
    detail = f"{found['slowest']:.2f} s / {alone:.2f} s; {found['creates']:.0f} creates for {2 * found['finished']:.0f}"
    outcomes.append(line("The slowest of them / one alone", found["slowest"] / alone, 2, detail=detail))
    print(f"\nMemory after {SERVED.count:,} requests served (at least {MEMORY_AFTER:,})")
    detail = "workers: " + ", ".join(f"{m:.0f} MB" for m in rss)
    outcomes.append(line("A web worker's resident memory (the largest)", max(rss), 100, " MB", detail=detail))
    print(f"\n{outcomes.count(True)} of {len(outcomes)} budgets met")


def rounds_of(values: list[float]) -> str:
    return "rounds: " + ", ".join(f"{value:.2f}" for value in values)


def database_line() -> str:
    """Which database the server uses, and whether its connections persist between requests."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    engine = str(database["ENGINE"]).rsplit(".", 1)[-1]
    age = database.get("CONN_MAX_AGE", 0)
    kept = f"persistent connections (CONN_MAX_AGE={age})" if age else "a connection per request (CONN_MAX_AGE=0)"
    return f"Database: {engine}, {kept}, as the server's settings say"


def against_sqlite(stack: Stack, clients: int, rounds: int = 8) -> None:
    """The bare page on this PostgreSQL stack and on a SQLite one started beside it, hammered in turns."""
    sqlite = Stack(postgres=False)
    try:
        sqlite.start()
        create = "from django.contrib.auth import get_user_model as m; m().objects.create_user('bench-9', password=%r)"
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", create % PASSWORD], cwd=ROOT, env=sqlite.env, check=True
        )
        stacks = {"PostgreSQL": stack, "SQLite": sqlite}
        people = {name: [Person(each.web, "bench-9") for _ in range(clients)] for name, each in stacks.items()}
        floors: dict[str, list[float]] = {name: [] for name in stacks}
        for _ in range(rounds):
            for name in stacks:
                floors[name].append(p95(hammer(people[name], "/bench-floor/", 10)))
    finally:
        sqlite.stop()
    medians = {name: statistics.median(values) for name, values in floors.items()}
    print(f"\nThe bare page on PostgreSQL and on SQLite, served at once, {rounds} rounds in turns")
    for name, median in medians.items():
        print(f"  {name:10} p95 {median * 1000:5.0f} ms   rounds: {', '.join(f'{v * 1000:.0f}' for v in floors[name])}")
    line("The bare page: PostgreSQL / SQLite", medians["PostgreSQL"] / medians["SQLite"], 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds of every page and its floor")
    parser.add_argument("--requests", type=int, default=24, help="per client, per page, per round")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--journeys", type=int, default=5, help="onboardings timed step by step")
    parser.add_argument("--quick", action="store_true", help="3 rounds, 6 requests, 4 clients, 2 journeys")
    parser.add_argument("--poll", type=float, help="poll progress every POLL seconds, not at the page's interval")
    args = parser.parse_args()
    Person.poll = args.poll
    if args.quick:
        args.rounds, args.requests, args.clients, args.journeys = 3, 6, 4, 2
    stack = Stack(args.postgres)
    os.environ.update(stack.env)
    try:
        stack.start()
        import django

        django.setup()
        make_users()
        print(f"Serving {stack.web} (gunicorn: 2 workers x 4 threads; tasks: 8 threads); emulator {stack.emulator}")
        print(database_line())
        report(run(stack, args))
        if args.postgres:
            against_sqlite(stack, args.clients)
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
