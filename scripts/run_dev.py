"""`make run`: migrate, make sure a login exists, start the emulator, the task worker and the web server.

Ctrl-C stops all three.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def wait_for(port: int, process: subprocess.Popen[bytes], seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if not port_free(port):
            return True
        time.sleep(0.1)
    return False


def product_environment(environ: dict[str, str] | os._Environ[str], *, debug: bool) -> None:
    """`make run` is the product: DEBUG is off (the app's own 404 and 500 pages) unless asked for with
    `make run DEBUG=true`. The environment wins over .env, so an older .env with DEBUG=true does not turn it on."""
    environ["DEBUG"] = "true" if debug else "false"
    environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--emulator-port", type=int, default=8765)
    parser.add_argument("--debug", action="store_true", help="Django's debug pages (make run DEBUG=true)")
    args = parser.parse_args()
    product_environment(os.environ, debug=args.debug)
    emulated = _prepare(args)
    wanted = [(args.port, "web server")] + ([(args.emulator_port, "emulator")] if emulated else [])
    for port, what in wanted:
        if not port_free(port):
            print(
                f"Port {port} (the {what}) is already in use. Stop what uses it, or pick another port: "
                f"make run WEB_PORT=8001 PORT=8766"
            )
            return 1
    processes = _start(args, emulated)
    if not processes:
        return 1
    print()
    print(f"  Event Hubs Onboarding is running at http://127.0.0.1:{args.port}/")
    if emulated:
        print(
            f"  Flow Service emulator at http://127.0.0.1:{args.emulator_port} "
            "(demo values are in the README). Ctrl-C stops all."
        )
    print()
    _supervise(processes)
    print("Stopped the web server, the task worker and the emulator.")
    return 0


def _prepare(args: argparse.Namespace) -> bool:
    """Set up Django, migrate, make sure a login exists; True when the app talks to the emulator."""
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onboarding.settings")
    os.environ.setdefault("EMULATOR_URL", f"http://127.0.0.1:{args.emulator_port}")

    import django
    from django.conf import settings
    from django.core.management import call_command

    from connections.target import flow_service_target

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    if not settings.DEBUG:  # without DEBUG, the static files are served (by WhiteNoise) from STATIC_ROOT
        call_command("collectstatic", interactive=False, verbosity=0)
    print("Database ready." + (" DEBUG is on." if settings.DEBUG else ""))
    call_command("ensure_local_user")
    if not settings.EMAIL_URL_SET:
        print("EMAIL_URL is not set: alert emails are printed by the task worker here, not sent.")
    target = flow_service_target()
    if target.is_adobe:
        print(f"Adobe credentials found: talking to {target.flow_service_url} (the emulator is not started).")
    return target.is_emulator


def _start(args: argparse.Namespace, emulated: bool) -> list[subprocess.Popen[bytes]]:
    """The task worker, the emulator (when used) and the web server, each listening; none when one did not start."""
    python = sys.executable
    commands = []
    if emulated:
        from onboarding.file_modes import owner_only_file

        # The emulator's state holds the keys typed into the app: its owner's only, like the database.
        os.makedirs(".emulator", mode=0o700, exist_ok=True)
        owner_only_file(".emulator/state.sqlite3")
        emulator = [python, "-m", "connections.flowservice_emulator", "--port", str(args.emulator_port)]
        commands.append(("emulator", args.emulator_port, [*emulator, "--state", ".emulator/state.sqlite3", "--quiet"]))
    commands.append(
        ("web server", args.port, [python, "manage.py", "runserver", f"127.0.0.1:{args.port}", "--noreload"])
    )
    processes: list[subprocess.Popen[bytes]] = [subprocess.Popen([python, "manage.py", "run_tasks"])]  # the worker
    for what, port, command in commands:
        processes.append(subprocess.Popen(command))
        if not wait_for(port, processes[-1]):
            print(f"The {what} did not start.")
            for process in processes:
                process.terminate()
            return []
    return processes


def _supervise(processes: list[subprocess.Popen[bytes]]) -> None:
    """Wait until one process ends or Ctrl-C, then stop them all."""

    def stop(*_: object) -> None:
        for process in processes:
            if process.poll() is None:
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    sys.exit(main())
