"""Import boundaries: the client knows no Django; the emulator knows neither Django nor the client; the web
process never loads the HTTP client (only the task worker calls Adobe)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def loaded_after(import_line: str) -> set[str]:
    code = f"import sys; {import_line}; print('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


@pytest.mark.parametrize("package", ["connections.flowservice", "connections.flowservice_emulator"])
def test_package_loads_no_django(package):
    modules = loaded_after(
        f"import {package}; import {package}.__main__"
        if "emulator" in package
        else f"import {package}; from {package} import FlowServiceClient, ImsTokenProvider; import {package}.contract"
    )
    assert not {m for m in modules if m == "django" or m.startswith("django.")}


def test_emulator_does_not_load_the_client():
    modules = loaded_after("import connections.flowservice_emulator.__main__")
    assert "connections.flowservice" not in modules


def test_client_does_not_load_the_emulator():
    modules = loaded_after("import connections.flowservice")
    assert not {m for m in modules if m.startswith("connections.flowservice_emulator")}


WEB_PROCESS = """
import os, sys
os.environ.update(DJANGO_SETTINGS_MODULE="tests.settings", TASKS_BACKEND="db")
import django
django.setup()
from django.urls import get_resolver
from onboarding.wsgi import application
import onboarding.views, onboarding.views_actions, onboarding.views_dataflow
get_resolver().url_patterns
print("\\n".join(sorted(sys.modules)))
"""


def test_the_web_process_does_not_load_the_http_client():
    """Views enqueue remote work and read its results; the HTTP stack (about 6 MB a process) stays in the worker."""
    result = subprocess.run([sys.executable, "-c", WEB_PROCESS], capture_output=True, text=True, check=True)
    modules = set(result.stdout.split())
    assert "onboarding.views_dataflow" in modules  # the app's web side did load
    assert not modules & {"requests", "urllib3", "connections.flowservice.client", "connections.flowservice.ims"}


def test_the_client_loads_on_first_use():
    modules = loaded_after("from connections.flowservice import FlowServiceClient")
    assert {"requests", "connections.flowservice.client"} <= modules


def _imports(path: Path, package: str) -> set[str]:
    """The modules of `package` that the file imports (typing-only imports count: a cycle is a cycle)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            here = path.with_suffix("").relative_to(ROOT).parts[: -node.level or None] if node.level else ()
            base = ".".join([*here, *([node.module] if node.module else [])])
            found |= {f"{base}.{alias.name}" for alias in node.names} | {base}
    return {name for name in found if name.startswith(package)}


def test_the_emulators_modules_import_each_other_in_no_cycle():
    package = "connections.flowservice_emulator"
    files = {
        ".".join(p.with_suffix("").relative_to(ROOT).parts): p
        for p in (ROOT / "connections" / "flowservice_emulator").rglob("*.py")
    }
    graph = {
        name.removesuffix(".__init__"): _imports(path, package) & {n.removesuffix(".__init__") for n in files}
        for name, path in files.items()
    }
    # A package's __init__ only re-exports its modules: a path through one is not followed.
    modules = {name for name, path in files.items() if path.name != "__init__.py"}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(
            n == goal or (n not in seen and n in modules and reaches(n, goal, seen | {n})) for n in graph.get(start, ())
        )

    assert not [name for name in sorted(modules) if reaches(name, name, {name})]
