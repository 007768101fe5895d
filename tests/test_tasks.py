"""Remote work off the request: claimed in the request, run by a background task, settled by the task
or, if the task died, by the sweep. The queue is the real django-tasks-db table, drained step by step."""

from __future__ import annotations

import datetime
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from connections import services
from connections.models import FlowServiceCall, Onboarding, StateChange
from connections.services import wizard
from connections.services.sweep import sweep

from .conftest import DEMO_MANAGE_KEY, account_post, source_post
from .test_going_live import ROOT, django_env

Status = Onboarding.Status
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_request_claims_and_the_task_creates(make_onboarding, emulator, task_queue, user):
    onboarding = wizard.onboarding_create_base_connection(onboarding=make_onboarding("draft"), actor=user)
    assert onboarding.status == Status.CREATING_BASE
    assert emulator.stats()["connections"] == 0  # nothing was asked of Adobe in the request
    assert DBTaskResult.objects.count() == 1

    task_queue()
    onboarding.refresh_from_db()
    assert onboarding.status == Status.BASE_CREATED
    assert onboarding.base_connection_id
    assert onboarding.connection_test["accepted"] is True  # tested in the same task
    assert FlowServiceCall.objects.filter(onboarding=onboarding, actor=user).exists()  # audited as the user


def test_the_wizard_pages_show_progress_then_the_result(client, user, emulator, task_queue):
    client.force_login(user)
    response = client.post("/onboardings/new/", account_post())
    onboarding = Onboarding.objects.get()
    page = client.get(response["Location"])
    assert "Creating the base connection" in page.content.decode() or onboarding.status == Status.CREATING_BASE
    assert client.get(f"/onboardings/{onboarding.public_id}/status/").status_code == 204

    task_queue()
    status = client.get(f"/onboardings/{onboarding.public_id}/status/", headers={"HX-Request": "true"})
    assert status.headers["HX-Replace-Url"].endswith("/source/")  # the Source step replaces the progress
    assert "Choose what to read" in status.content.decode()
    assert client.get(f"/onboardings/{onboarding.public_id}/status/")["Location"].endswith("/source/")
    response = client.post(f"/onboardings/{onboarding.public_id}/source/", source_post())
    assert client.get(f"/onboardings/{onboarding.public_id}/status/").status_code == 204
    task_queue()
    onboarding.refresh_from_db()
    assert onboarding.status == Status.SOURCE_CREATED
    assert "Done" in client.get(f"/onboardings/{onboarding.public_id}/", follow=True).content.decode()


def test_the_progress_polls_often_just_after_the_step_started_then_less_often(client, user, emulator, task_queue):
    client.force_login(user)
    client.post("/onboardings/new/", account_post())
    onboarding = Onboarding.objects.get()
    status = f"/onboardings/{onboarding.public_id}/status/"
    htmx = {"HX-Request": "true"}
    page = client.get(f"/onboardings/{onboarding.public_id}/", follow=True).content.decode()
    assert f'hx-get="{status}?every=100ms" hx-trigger="every 100ms"' in page  # a quick step's page moves on soon
    assert client.get(status + "?every=100ms", headers=htmx).status_code == 204  # nothing to swap meanwhile

    Onboarding.objects.filter(pk=onboarding.pk).update(step_started_at=timezone.now() - datetime.timedelta(seconds=5))
    slower = client.get(status + "?every=100ms", headers=htmx)
    assert slower.status_code == 200 and slower.headers["HX-Retarget"] == "#wizard-progress"
    assert 'hx-trigger="every 300ms"' in slower.content.decode()  # the progress itself, polling less often
    assert client.get(status + "?every=300ms", headers=htmx).status_code == 204
    Onboarding.objects.filter(pk=onboarding.pk).update(step_started_at=timezone.now() - datetime.timedelta(minutes=1))
    assert 'hx-trigger="every 1s"' in client.get(status + "?every=300ms", headers=htmx).content.decode()

    task_queue()
    assert "Choose what to read" in client.get(status + "?every=1s", headers=htmx).content.decode()


def _ciphertexts(onboarding: Onboarding) -> list[str]:
    """The credential columns as stored: a rewrite would re-encrypt them (a new IV, a new token)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT namespace, sas_key_name, sas_key FROM connections_onboarding WHERE id = %s", [onboarding.pk]
        )
        return list(cursor.fetchone())


def test_each_step_stores_what_it_changes_and_never_rewrites_the_credentials(client, user, emulator, task_queue):
    """The steps save only the columns they change: after each request and each task the row holds what the
    step set, the credentials are the ciphertext written with the account, and the history is whole."""
    client.force_login(user)
    client.post("/onboardings/new/", account_post())
    onboarding = Onboarding.objects.get()
    written = _ciphertexts(onboarding)
    assert all(value.startswith("enc:fernet:") for value in written)
    assert onboarding.status == Status.CREATING_BASE and onboarding.step_started_at is not None

    task_queue()
    onboarding.refresh_from_db()
    assert onboarding.status == Status.BASE_CREATED and onboarding.step_started_at is None
    assert onboarding.base_connection_id and onboarding.base_connection_etag
    assert onboarding.connection_test["accepted"] is True and onboarding.connection_tested_at is not None
    assert onboarding.event_hubs["hubs"] and onboarding.last_error is None

    client.post(f"/onboardings/{onboarding.public_id}/source/", source_post(consumer_group="cg-stored"))
    onboarding.refresh_from_db()
    assert onboarding.status == Status.CREATING_SOURCE and onboarding.step_started_at is not None
    assert (onboarding.event_hub_name, onboarding.consumer_group) == ("orders", "cg-stored")

    task_queue()
    onboarding.refresh_from_db()
    assert onboarding.status == Status.SOURCE_CREATED and onboarding.step_started_at is None
    assert onboarding.source_connection_id and onboarding.source_connection_etag
    assert {c.key: c.state for c in onboarding.checks}["consumer_group"] == "passed"
    assert _ciphertexts(onboarding) == written
    assert onboarding.sas_key == DEMO_MANAGE_KEY
    moves = StateChange.objects.filter(onboarding=onboarding).order_by("chain_seq")
    assert [(m.from_status, m.to_status) for m in moves] == [
        ("", Status.DRAFT),
        (Status.DRAFT, Status.CREATING_BASE),
        (Status.CREATING_BASE, Status.BASE_CREATED),
        (Status.BASE_CREATED, Status.CREATING_SOURCE),
        (Status.CREATING_SOURCE, Status.SOURCE_CREATED),
    ]
    calls = FlowServiceCall.objects.filter(onboarding=onboarding).exclude(operation="ims_token").order_by("chain_seq")
    assert [call.operation for call in calls] == [
        "create_base_connection",
        "test_connection",
        "explore",
        "create_source_connection",
    ]
    call_command("verify_history")  # raises on a broken chain


def test_a_task_reads_the_owner_acting_with_its_onboarding_and_any_other_actor_alone(
    make_onboarding, emulator, task_queue, user, other_user
):
    """The owner acting (nearly every task) comes with the onboarding, in one query; another actor is read."""
    onboarding = wizard.onboarding_create_base_connection(onboarding=make_onboarding("draft"), actor=user)
    with CaptureQueriesContext(connection) as queries:
        task_queue()
    user_table = get_user_model()._meta.db_table
    alone = [q["sql"] for q in queries.captured_queries if re.match(rf'SELECT .* FROM "{user_table}" WHERE', q["sql"])]
    assert alone == []  # the owner was joined to the onboarding's read
    assert set(FlowServiceCall.objects.filter(onboarding=onboarding).values_list("actor", flat=True)) == {user.pk}

    other = make_onboarding("draft", owner=user, name="Acted on by another")
    wizard.onboarding_create_base_connection(onboarding=other, actor=other_user)  # another user acting
    task_queue()
    assert set(FlowServiceCall.objects.filter(onboarding=other).values_list("actor", flat=True)) == {other_user.pk}


def test_two_concurrent_submits_enqueue_one_task(make_onboarding, emulator, task_queue):
    """Two tabs submit the same step at the same moment: the row lock lets one claim it."""
    onboarding = make_onboarding("draft")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            barrier.wait()
            fresh = Onboarding.objects.get(pk=onboarding.pk)
            wizard.onboarding_create_base_connection(onboarding=fresh, actor=None)
        except BaseException as exc:  # a thread's exception would otherwise vanish
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert DBTaskResult.objects.count() == 1
    assert StateChange.objects.filter(onboarding=onboarding, to_status=Status.CREATING_BASE).count() == 1
    task_queue()
    assert emulator.stats()["connections"] == 1


def test_a_failed_claim_enqueues_nothing(make_onboarding, task_queue):
    """The task row is written in the claim's transaction: no claim, no task."""
    onboarding = make_onboarding("base")  # the base step is done: it cannot be claimed again
    wizard.onboarding_create_base_connection(onboarding=onboarding, actor=None)
    assert DBTaskResult.objects.count() == 0


def _as_if_the_task_died(onboarding: Onboarding) -> None:
    """In flight since long ago, and no task left to settle it (a killed worker)."""
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    Onboarding.objects.filter(pk=onboarding.pk).update(step_started_at=long_ago)
    DBTaskResult.objects.all().delete()


def test_the_sweep_adopts_what_a_dead_task_created(make_onboarding, emulator, task_queue):
    onboarding = make_onboarding("draft")
    wizard.onboarding_create_base_connection(onboarding=onboarding, actor=None)
    with override_settings(TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}):
        # Adobe got the create, but the worker died before it wrote the answer down.
        from connections import adobe

        onboarding.refresh_from_db()
        wizard.BASE_CONNECTION.create(adobe.flow_client(onboarding=onboarding, actor=None), onboarding)
    _as_if_the_task_died(onboarding)

    assert sweep() == 1
    onboarding.refresh_from_db()
    assert onboarding.status == Status.BASE_CREATED
    assert emulator.stats()["connections"] == 1  # adopted, not created twice
    assert onboarding.connection_test  # and tested, as the task would have


def test_the_sweep_fails_a_step_adobe_never_saw(make_onboarding, emulator, task_queue):
    onboarding = wizard.onboarding_create_base_connection(onboarding=make_onboarding("draft"), actor=None)
    _as_if_the_task_died(onboarding)

    task_queue()  # the worker sweeps when it starts
    onboarding.refresh_from_db()
    assert onboarding.status == Status.BASE_FAILED
    assert onboarding.outcome_unknown is False
    assert emulator.stats()["connections"] == 0

    onboarding = services.onboarding_retry(onboarding=onboarding, actor=None)
    assert onboarding.status == Status.CREATING_BASE
    task_queue()
    onboarding.refresh_from_db()
    assert onboarding.status == Status.BASE_CREATED


def test_the_sweep_leaves_a_running_task_alone(make_onboarding, task_queue):
    onboarding = wizard.onboarding_create_base_connection(onboarding=make_onboarding("draft"), actor=None)
    assert sweep() == 0
    onboarding.refresh_from_db()
    assert onboarding.status == Status.CREATING_BASE


def test_a_late_delivery_of_an_earlier_steps_task_creates_nothing(make_onboarding, emulator, task_queue):
    """The base connection's task, delivered again after the onboarding moved on to the source step, does not
    run that step: its own request's task does."""
    source = services.Source("orders", "raw", "earliest", "aep-orders")
    onboarding = wizard.onboarding_submit_source(onboarding=make_onboarding("base"), actor=None, source=source)
    assert onboarding.status == Status.CREATING_SOURCE
    assert wizard.create_in_adobe.call(str(onboarding.pk), Status.CREATING_BASE, None) == Status.CREATING_SOURCE
    assert emulator.stats()["sourceConnections"] == 0
    task_queue()
    onboarding.refresh_from_db()
    assert onboarding.status == Status.SOURCE_CREATED and emulator.stats()["sourceConnections"] == 1


def test_every_in_flight_status_is_a_step_the_task_runs_and_the_sweep_settles():
    assert sorted(step.in_flight for step in wizard.STEPS) == sorted(Onboarding.IN_FLIGHT)


def _in_a_fresh_process(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`code` run by a new interpreter with the production settings and this environment."""
    environment = django_env(**env)
    if "TASKS_BACKEND" not in env:
        environment.pop("TASKS_BACKEND", None)  # the test run's own choice (immediate)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


def _settings_in_a_fresh_process(**env: str) -> subprocess.CompletedProcess[str]:
    """The production settings module read by a new interpreter with this environment."""
    code = (
        "from onboarding import settings as s; "
        "print(s.TASKS['default']['BACKEND'], 'django_tasks_rq' in s.INSTALLED_APPS, "
        "getattr(s, 'RQ_QUEUES', {}).get('default', {}).get('URL'), s.DATABASES['default'].get('CONN_MAX_AGE'), "
        "getattr(s, 'SESSION_ENGINE', 'django.contrib.sessions.backends.db'))"
    )
    return _in_a_fresh_process(code, **env)


def test_settings_select_the_task_backend():
    assert _settings_in_a_fresh_process().stdout.split()[:2] == ["django_tasks_db.DatabaseBackend", "False"]
    rq = _settings_in_a_fresh_process(TASKS_BACKEND="rq", REDIS_URL="redis://127.0.0.1:6379/0").stdout.split()
    assert rq[:3] == ["django_tasks_rq.RQBackend", "True", "redis://127.0.0.1:6379/0"]
    assert "REDIS_URL is not set" in _settings_in_a_fresh_process(TASKS_BACKEND="rq").stderr
    assert "TASKS_BACKEND must be one of" in _settings_in_a_fresh_process(TASKS_BACKEND="celery").stderr


def test_production_keeps_postgresql_connections_and_sessions_in_redis():
    out = _settings_in_a_fresh_process(
        DATABASE_URL="postgres://u@127.0.0.1:5432/x", CACHE_URL="redis://127.0.0.1:6379/1"
    ).stdout.split()
    assert out[3:] == ["600", "django.contrib.sessions.backends.cached_db"]
    assert _settings_in_a_fresh_process().stdout.split()[3:] == ["0", "django.contrib.sessions.backends.db"]
    assert _settings_in_a_fresh_process(CONN_MAX_AGE="600").stdout.split()[3] == "600"  # SQLite's, when asked


def _prepared_on_the_server(**env: str) -> str:
    """How many statements PostgreSQL holds prepared for a kept connection that ran the same query six times."""
    code = (
        "import django; django.setup(); from django.db import connection; cursor = connection.cursor(); "
        "[cursor.execute('SELECT %s::integer + 1', [n]) for n in range(6)]; "
        "cursor.execute('SELECT count(*) FROM pg_prepared_statements'); print(cursor.fetchone()[0])"
    )
    result = _in_a_fresh_process(code, DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()[-1]  # after what the app logs when it starts


def test_postgresql_prepares_repeated_queries_unless_a_pooler_forbids_it():
    """Each page's queries are parsed and planned once per kept connection, not on every page."""
    assert _prepared_on_the_server() == "1"
    assert _prepared_on_the_server(DATABASE_PREPARED_STATEMENTS="false") == "0"


def _worker_process(emulator, *, threads: int, interval: float) -> subprocess.Popen[str]:  # type: ignore[no-untyped-def]
    """`manage.py run_tasks`, as `make serve` starts it, against this test's database and emulator; returns once
    it is running."""
    database = connections["default"].settings_dict
    url = (
        f"sqlite:///{database['NAME']}"
        if connections["default"].vendor == "sqlite"
        else f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    )
    env = {**os.environ, "DATABASE_URL": url, "TASKS_BACKEND": "db", "EMULATOR_URL": emulator.url}
    command = ["manage.py", "run_tasks", "--threads", str(threads), "--interval", str(interval)]
    worker = subprocess.Popen([sys.executable, "-u", *command], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert worker.stdout is not None
    for line in worker.stdout:
        if line.startswith("Running tasks"):
            worker.running = line  # type: ignore[attr-defined]
            return worker
    raise AssertionError(f"the worker stopped before running tasks ({worker.wait()})")


def _stopped_by_ctrl_c(worker: subprocess.Popen[str]) -> int:
    worker.send_signal(signal.SIGINT)
    return worker.wait(timeout=30)


def test_the_worker_process_runs_several_tasks_and_stops_on_ctrl_c(make_onboarding, emulator, task_queue):
    drafts = [make_onboarding("draft", name=f"Stream {n}") for n in range(3)]
    emulator.fault("/connections", method="POST", delay=0.5, count=3)  # all three in flight together
    for draft in drafts:
        wizard.onboarding_create_base_connection(onboarding=draft, actor=None)
    worker = _worker_process(emulator, threads=3, interval=0.05)
    try:
        deadline = time.monotonic() + 60  # a bound on the wait, not a measurement
        while Onboarding.objects.filter(status=Status.BASE_CREATED).count() < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert Onboarding.objects.filter(status=Status.BASE_CREATED).count() == 3
        assert emulator.stats()["connections"] == 3
    finally:
        assert _stopped_by_ctrl_c(worker) == 0


def test_on_postgresql_an_enqueued_task_wakes_the_idle_worker_at_once(make_onboarding, emulator, task_queue):
    """The worker here polls once a minute: the task can start within half of that only because its enqueue
    NOTIFYs the worker, which LISTENs (the notification is sent when the claim's transaction commits)."""
    if connection.vendor != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; on SQLite the worker polls (the test above)")
    draft = make_onboarding("draft")
    worker = _worker_process(emulator, threads=1, interval=60)
    try:
        assert "listens for new ones" in worker.running  # type: ignore[attr-defined]
        time.sleep(0.5)  # the worker's first poll has found nothing: it waits for a minute or a notification
        wizard.onboarding_create_base_connection(onboarding=draft, actor=None)
        deadline = time.monotonic() + 30  # half the interval: only the notification can start the task by then
        while Onboarding.objects.get(pk=draft.pk).status != Status.BASE_CREATED and time.monotonic() < deadline:
            time.sleep(0.05)
        assert Onboarding.objects.get(pk=draft.pk).status == Status.BASE_CREATED
    finally:
        assert _stopped_by_ctrl_c(worker) == 0


def test_a_worker_thread_keeps_its_database_connection_until_it_breaks(monkeypatch):
    """Between tasks (and claim polls) the worker keeps its connection, SQLite's too (CONN_MAX_AGE=0 there by
    default, which would reopen it for each); a broken one is closed, as Django closes it between requests."""
    from connections.management.commands.run_tasks import refresh_connections

    default = connections["default"]
    default.ensure_connection()
    kept = default.connection
    refresh_connections()
    assert default.connection is kept

    default.errors_occurred = True
    monkeypatch.setattr(default, "is_usable", lambda: False)
    refresh_connections()
    assert default.connection is None


def test_on_rq_every_worker_process_runs_its_jobs_itself_and_checks_its_connections_around_each(monkeypatch):
    from django_tasks.signals import task_finished, task_started

    from connections.management.commands import run_tasks

    started: list[tuple[str, dict[str, object]]] = []
    monkeypatch.setattr(run_tasks, "sweep", lambda: None)
    monkeypatch.setattr(run_tasks, "call_command", lambda name, *queues, **options: started.append((name, options)))
    refreshed: list[str] = []
    monkeypatch.setattr(run_tasks, "refresh_connections", lambda: refreshed.append("refreshed"))
    try:
        with override_settings(TASKS_BACKEND="rq"):
            call_command("run_tasks", "--threads", "4", "--batch")
            call_command("run_tasks", "--threads", "1", "--batch")
        assert [(name, options["worker_class"]) for name, options in started] == [
            ("rqworker-pool", "rq.worker.SimpleWorker"),  # a pool of processes, none forked for each job
            ("rqworker", "rq.worker.SimpleWorker"),
        ]
        assert started[0][1]["num_workers"] == 4
        run_tasks._refresh_around_task(sender=None)
        assert refreshed == ["refreshed"]
    finally:  # connected to both, as Django's check of connections is to a request's start and end
        assert task_started.disconnect(run_tasks._refresh_around_task)
        assert task_finished.disconnect(run_tasks._refresh_around_task)
