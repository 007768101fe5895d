"""`make screenshots`: drive the real app in Chromium and write docs/screenshots/*.png.

Runs its own app (gunicorn, DEBUG off, a throw-away SQLite database) and emulator, so your data
and your `make run` are left alone.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
KEY = "wvwtY9kn2UMDjZTFd+pffzMly2J26AoM07uWzS+dfMY="
OTHER_POLICY_KEY = "PDQ6qJnQshtfcS0VWLKy07Pau0mBjzBbFYyvrA365dc="  # the listen-only policy's: wrong for Root…
CONNECTION_STRING = (
    "Endpoint=sb://contoso-events.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;"
    f"SharedAccessKey={KEY}"
)
ORDER_EVENTS_SCHEMA = "https://ns.adobe.com/eventhubsdemo/schemas/3f1c9a2e5b7d4c60a8e2f9b1d4c7a6e0"  # the emulator's
PASSWORD = "screenshots-" + secrets.token_urlsafe(8)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_app(workdir: Path, emulator_url: str) -> tuple[list[subprocess.Popen[bytes]], str]:
    import base64

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ADOBE_", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "onboarding.settings",
        "READ_DOT_ENV": "false",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "HISTORY_HMAC_KEYS": secrets.token_urlsafe(32),
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "STATIC_ROOT": str(workdir / "static"),
        "EMULATOR_URL": emulator_url,
        "DJANGO_SUPERUSER_USERNAME": "admin",
        "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
        "DJANGO_SUPERUSER_EMAIL": "admin@example.com",
        "LOG_LEVEL": "WARNING",
    }
    for command in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"], ["createsuperuser", "--noinput"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
    return _serve(env)


def _serve(env: dict[str, str]) -> tuple[list[subprocess.Popen[bytes]], str]:
    """gunicorn and the task worker (remote steps run as background tasks), once the app listens."""
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [str(gunicorn), "onboarding.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2"]
    processes = [
        subprocess.Popen([*command, "--log-level", "warning"], cwd=ROOT, env=env),
        subprocess.Popen([sys.executable, "manage.py", "run_tasks"], cwd=ROOT, env=env),
    ]
    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return processes, f"http://127.0.0.1:{port}"
        time.sleep(0.1)
    for process in processes:
        process.terminate()
    raise SystemExit("the app did not start")


# SCREENSHOTS_ONLY=15-dataflow-mapping-checked,22-phone-mapping: the whole journey runs, only these are written.
ONLY = {name for name in os.environ.get("SCREENSHOTS_ONLY", "").split(",") if name}


def shoot(page: Any, name: str) -> None:
    if ONLY and name not in ONLY:
        return
    page.wait_for_timeout(150)
    page.evaluate("window.scrollTo(0, 0)")  # the admin's sticky sidebar is drawn where the page was scrolled to
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True, animations="disabled")
    print(f"  docs/screenshots/{name}.png")


def _happy_path(page: Any, base: str) -> None:
    """Log in and go through the wizard with a pasted connection string."""
    from playwright.sync_api import expect

    page.goto(base + "/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    shoot(page, "01-login")
    page.get_by_role("button", name="Log in").click()

    page.goto(base + "/onboardings/new/")
    page.get_by_label("Name (required)", exact=True).fill("Orders stream (production)")
    page.get_by_label("Description").fill("Order events from the web shop")
    page.get_by_label("Connection string (optional)").fill(CONNECTION_STRING)
    expect(page.get_by_text("The key in it will be used")).to_be_visible()
    shoot(page, "02-account")
    page.get_by_role("button", name="Connect to Adobe").click()
    expect(page.get_by_role("heading", name="Choose what to read")).to_be_visible()
    page.get_by_role("radio", name="orders").check()
    page.get_by_label("Consumer group (required)").fill("aep-orders")
    page.locator("#several-hubs summary").click()  # closed until asked for: the picture shows what it offers
    expect(page.get_by_role("button", name="Read the ticked event hubs")).to_be_visible()
    shoot(page, "03-source")
    page.get_by_role("button", name="Create source connection").click()
    expect(page.get_by_role("heading", name="Your Event Hubs account is connected")).to_be_visible()
    shoot(page, "04-done")


def _failed_test_and_needs_attention(page: Any, base: str) -> None:
    """A wrong key: the test fails and the user stays on Account; then going on anyway."""
    from playwright.sync_api import expect

    page.goto(base + "/onboardings/new/")
    page.get_by_label("Name (required)", exact=True).fill("Payments")
    page.get_by_label("Event Hubs namespace").fill("contoso-events")
    page.get_by_label("SAS key name").fill("RootManageSharedAccessKey")
    page.get_by_label("SAS key", exact=True).fill(OTHER_POLICY_KEY)
    page.get_by_role("button", name="Connect to Adobe").click()
    expect(page.get_by_role("heading", name="The connection test did not pass")).to_be_visible()
    page.get_by_text("Details", exact=True).click()
    shoot(page, "19-failed-test")
    page.get_by_role("button", name="Go on anyway").click()
    expect(page.get_by_role("heading", name="Choose what to read")).to_be_visible()
    page.get_by_label("Event hub (required)", exact=True).fill("orders")
    page.get_by_label("Consumer group (required)").fill("analytics")
    page.get_by_role("button", name="Create source connection").click()
    expect(page.get_by_role("heading", name="Created in Adobe, but the connection test did not pass")).to_be_visible()
    shoot(page, "20-needs-attention-done")


def _validation_and_tools(page: Any, base: str) -> None:
    """A form with mistakes, the list, the key replacement and the admin."""
    from playwright.sync_api import expect

    page.goto(base + "/onboardings/new/")
    page.get_by_label("Name (required)", exact=True).fill("Inventory")
    page.get_by_label("Event Hubs namespace").fill("1nventory")
    page.get_by_label("SAS key", exact=True).fill("copied-only-half-of-the-key")
    page.get_by_role("button", name="Connect to Adobe").click()
    expect(page.get_by_label("SAS key", exact=True)).to_have_attribute("aria-invalid", "true")
    shoot(page, "06-validation")

    page.goto(base + "/onboardings/")
    shoot(page, "07-my-onboardings")
    page.get_by_role("link", name="View Orders stream (production)").click()
    page.get_by_role("link", name="Edit credentials").click()
    page.get_by_text("Replace", exact=True).click()
    shoot(page, "08-edit-credentials")

    page.goto(base + "/admin/connections/onboarding/")
    shoot(page, "09-admin-onboardings")
    page.get_by_role("link", name="Orders stream (production)").click()
    page.get_by_role("row").filter(has_text="Call: Create base connection").locator("details.bodies summary").click()
    shoot(page, "10-admin-timeline")
    page.set_viewport_size({"width": 1280, "height": 820})  # the calls list must fit 1280 px
    page.goto(base + "/admin/connections/flowservicecall/")
    shoot(page, "11-admin-calls")
    page.set_viewport_size({"width": 1100, "height": 820})


def _phone(page: Any) -> Any:
    """A page 360 px wide in the same session."""
    phone = page.context.browser.new_page(viewport={"width": 360, "height": 740}, device_scale_factor=1)
    phone.context.add_cookies(page.context.cookies())
    return phone


def drive(base: str, emulator: Any, server_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        page = browser.new_page(viewport={"width": 1100, "height": 820}, device_scale_factor=1)
        _happy_path(page, base)

        emulator.faults.add(
            __import__("connections.flowservice_emulator.faults", fromlist=["Fault"]).Fault(
                path="/data/foundation/flowservice/connections", method="POST", status=503
            )
        )
        page.goto(base + "/onboardings/new/")
        page.get_by_role("tab", name="SAS", exact=True).click()
        expect(page.get_by_role("tab", name="SAS", exact=True)).to_have_attribute("aria-selected", "true")
        page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
        page.get_by_label("Name (required)", exact=True).fill("Clickstream")
        page.get_by_label("Event Hubs namespace").fill("contoso-events")
        page.get_by_label("SAS key name").fill("RootManageSharedAccessKey")
        page.get_by_label("SAS key", exact=True).fill(KEY)
        page.get_by_label("Event hub name").fill("clickstream")
        page.get_by_role("button", name="Connect to Adobe").click()
        expect(page.get_by_role("alert")).to_be_visible()
        shoot(page, "05-adobe-error-and-retry")

        _failed_test_and_needs_attention(page, base)
        _validation_and_tools(page, base)

        drive_dataflow(page, base, emulator)

        phone = _phone(page)
        phone.goto(base + "/onboardings/new/")
        shoot(phone, "12-phone-account")
        phone.goto(base + "/onboardings/")
        shoot(phone, "21-phone-my-onboardings")
        phone.close()
        # Last: these add onboardings that the lists above would show.
        _import_missing_field(page, base, server_url)
        _many_hubs(page, base)
        _delete_account(page, base)
        _go_live_check(page, base)
        browser.close()


def drive_dataflow(page: Any, base: str, emulator: Any) -> None:
    """From the connected account to data arriving (select data, dataset, mapping, review, watching)."""
    from playwright.sync_api import expect

    page.goto(base + "/onboardings/")
    page.get_by_role("link", name="View Orders stream (production)").click()
    page.get_by_role("button", name="Set up the dataflow").click()
    expect(page.get_by_role("table", name="Fields found in the events")).to_be_visible()  # the preview's task
    shoot(page, "13-dataflow-select-data")
    page.get_by_role("link", name="Next: dataset").click()
    page.get_by_role("radio", name="A new dataset").check()
    page.get_by_label("New dataset name").fill("Web shop orders")
    page.get_by_role("radio", name="Order events").check()
    shoot(page, "14-dataflow-dataset")
    page.get_by_role("button", name="Next: mapping").click()
    expect(page.get_by_role("heading", name="Mapping")).to_be_visible()
    page.get_by_label("Schema field for placedAt").fill("timestamp")
    page.get_by_label("Schema field for status").fill("_eventhubsdemo.order.state")
    page.get_by_role("button", name="Check and continue").click()
    expect(page.get_by_label("Schema field for status")).to_have_attribute("aria-invalid", "true")
    shoot(page, "15-dataflow-mapping-checked")
    phone = _phone(page)
    phone.goto(page.url)
    expect(phone.get_by_label("Schema field for status")).to_have_attribute("aria-invalid", "true")
    shoot(phone, "22-phone-mapping")
    phone.close()
    page.get_by_label("Schema field for status").fill("_eventhubsdemo.order.status")
    page.get_by_role("button", name="Check and continue").click()
    page.get_by_label("Dataflow name").fill("Orders into AEP")
    shoot(page, "16-dataflow-review")
    emulator.store.freeze_clock()
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("heading", name="Data arriving")).to_be_visible()
    emulator.store.advance_clock(45 * 60 * 1000)
    page.get_by_role("button", name="Ask Adobe now").click()  # the page itself asks every 30 s
    expect(page.locator("#records-failed")).not_to_have_text("0", timeout=20_000)
    page.get_by_text("For developers").click()
    expect(page.get_by_role("button", name="Ask Adobe now")).to_be_enabled()  # not caught while it asks
    shoot(page, "17-dataflow-data-arriving")
    page.get_by_role("link", name="Add another dataflow from this account").click()
    shoot(page, "18-dataflow-existing-account")


def _open_orders_account(page: Any, base: str) -> None:
    page.goto(base + "/onboardings/")
    page.get_by_role("link", name="View Orders stream (production)").click()


def _import_missing_field(page: Any, base: str, server_url: str) -> None:
    """The orders account's onboarding file imported into `dev`, whose copy of the schema lacks a mapped field."""
    from playwright.sync_api import expect

    _open_orders_account(page, base)
    page.get_by_role("button", name="Onboarding file…").click()
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download JSON").click()
    folder = tempfile.mkdtemp()
    path = Path(folder) / downloading.value.suggested_filename  # the import page shows the file's name
    downloading.value.save_as(path)
    order = {"sandbox": "dev", "schema": "Order events", "field": "_eventhubsdemo.order.total"}
    _emulator_control(server_url, "/__emulator__/schemas/fields/drop", order)
    page.goto(base + "/onboardings/import/")
    page.get_by_label("Onboarding file", exact=True).set_input_files(path)  # read when the form is sent
    sandbox = page.get_by_label("Target sandbox")
    with page.expect_response(lambda response: "sandbox=dev" in response.url):
        if sandbox.evaluate("element => element.tagName") == "SELECT":
            sandbox.select_option("dev")
        else:
            sandbox.fill("dev")
            sandbox.press("Tab")
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    page.get_by_label("Name of the new account (required)", exact=True).fill("Orders stream (dev)")
    page.get_by_label("Event Hubs namespace").fill("contoso-events")
    page.get_by_label("SAS key name").fill("RootManageSharedAccessKey")
    page.get_by_label("SAS key", exact=True).fill(KEY)
    page.get_by_label("Other consumer groups").fill("orders=aep-orders-dev")
    page.get_by_role("button", name="Check what it will create").click()
    expect(page.get_by_role("heading", name="What the sandbox dev lacks")).to_be_visible()
    shutil.rmtree(folder)
    shoot(page, "24-import-missing-field")


def _emulator_control(server_url: str, path: str, order: dict[str, str]) -> None:
    import json
    import urllib.request

    request = urllib.request.Request(
        server_url + path, data=json.dumps(order).encode(), headers={"Content-Type": "application/json"}
    )
    urllib.request.urlopen(request, timeout=5).close()


def _many_hubs(page: Any, base: str) -> None:
    """Three event hubs ticked on Source, one dataset chosen for all, then the hubs page with each one's dataflow."""
    from playwright.sync_api import expect

    page.goto(base + "/onboardings/new/")
    page.get_by_label("Name (required)", exact=True).fill("Shop hubs")
    page.get_by_label("Connection string (optional)").fill(CONNECTION_STRING)
    expect(page.get_by_text("The key in it will be used")).to_be_visible()
    page.get_by_role("button", name="Connect to Adobe").click()
    expect(page.get_by_role("heading", name="Choose what to read")).to_be_visible()
    page.locator("#several-hubs summary").click()  # the form for several hubs is fetched when opened
    expect(page.get_by_role("button", name="Read the ticked event hubs")).to_be_visible()
    page.get_by_label("Consumer group pattern").fill("shop-{hub}")  # aep-orders is read by the orders account
    page.get_by_role("button", name="Fill in the consumer groups").click()
    for hub in ("clickstream", "inventory-updates", "orders"):
        expect(page.get_by_label(f"Consumer group for {hub}")).to_have_value(f"shop-{hub}")
        page.get_by_role("checkbox", name=f"Read {hub}").check()
        page.get_by_label(f"Data type of {hub}").select_option("xdm")
    page.get_by_role("button", name="Read the ticked event hubs").click()
    expect(page.get_by_role("heading", name="Your Event Hubs account is connected")).to_be_visible()
    page.get_by_role("link", name="The dataflows of every event hub").click()
    page.get_by_role("button", name="Set up the dataflow of clickstream").click()
    page.get_by_role("link", name="Next: dataset").click()
    page.get_by_role("radio", name="An existing dataset").check()
    page.get_by_role("radio", name="Web shop orders").check()
    page.get_by_role("button", name="Next: review").click()
    page.get_by_role("link", name="Create them all together").click()
    expect(page.get_by_role("heading", name="The event hubs of Shop hubs")).to_be_visible()
    page.get_by_role("button", name="Create 3 dataflows").click()
    created = page.locator(".hub-result").filter(has_text="Created")
    expect(created).to_have_count(3, timeout=30_000)
    shoot(page, "23-many-hubs")


def _delete_account(page: Any, base: str) -> None:
    """The confirmation only: it lists what is deleted in Adobe, the account's dataflows first."""
    from playwright.sync_api import expect

    _open_orders_account(page, base)
    page.get_by_role("link", name="Delete in Adobe…").click()
    expect(page.get_by_role("heading", name="Delete Orders stream (production) in Adobe?")).to_be_visible()
    shoot(page, "25-delete-account")


def _go_live_check(page: Any, base: str) -> None:
    """The admin's go-live check against the emulator: every guess it records, with its verdict."""
    from playwright.sync_api import expect

    page.goto(base + "/admin/connections/golivecheck/")
    page.get_by_role("link", name="Run the go-live check").click()
    page.get_by_label("AEP sandbox").fill("dev")
    page.get_by_label("Event Hubs namespace").fill("contoso-events")
    page.get_by_label("SAS key name").fill("RootManageSharedAccessKey")
    page.get_by_label("SAS key:", exact=True).fill(KEY)
    page.get_by_label("Event hub:", exact=True).fill("orders")
    page.get_by_label("Schema ($id)").fill(ORDER_EVENTS_SCHEMA)
    page.get_by_label("Mappings").fill("id=_eventhubsdemo.order.orderId")
    page.get_by_role("button", name="Start the go-live check").click()
    table = page.get_by_role("table", name="The app's guesses, where Adobe's documents are silent")
    expect(table).to_be_visible(timeout=60_000)
    shoot(page, "26-go-live-check")


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from connections.flowservice_emulator import BackgroundEmulator, make_emulator

    OUT.mkdir(parents=True, exist_ok=True)
    server = BackgroundEmulator(make_emulator()).start()
    with tempfile.TemporaryDirectory() as workdir:
        processes, base = start_app(Path(workdir), server.url)
        try:
            print(f"Screenshots of {base} (emulator {server.url}):")
            drive(base, server.emulator, server.url)
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=10)
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
