"""Import boundaries: the client knows no Django; the emulator knows neither Django nor the client; the web
process never loads the HTTP client (only the task worker calls Adobe); no product modules import each other
in a cycle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest


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
import onboarding.views.wizard, onboarding.views.actions, onboarding.views.dataflow
get_resolver().url_patterns
print("\\n".join(sorted(sys.modules)))
"""


def test_the_web_process_does_not_load_the_http_client():
    """Views enqueue remote work and read its results; the HTTP stack (about 6 MB a process) stays in the worker."""
    result = subprocess.run([sys.executable, "-c", WEB_PROCESS], capture_output=True, text=True, check=True)
    modules = set(result.stdout.split())
    assert "onboarding.views.dataflow" in modules  # the app's web side did load
    assert "connections.services.contract_check" in modules  # the admin's go-live check: its engine, no HTTP stack
    assert not modules & {"requests", "urllib3", "connections.flowservice.client", "connections.flowservice.ims"}


def test_the_client_loads_on_first_use():
    modules = loaded_after("from connections.flowservice import FlowServiceClient")
    assert {"requests", "connections.flowservice.client"} <= modules


PRODUCT = ("onboarding", "connections")
ROOT = Path(__file__).resolve().parent.parent


def _product_modules() -> dict[str, Path]:
    """The product's modules by dotted name; the emulator (a program of its own) and migrations left out."""
    found = {}
    for package in PRODUCT:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "flowservice_emulator" in parts or "migrations" in parts:
                continue
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _only_for_type_checking(tree: ast.Module) -> set[ast.AST]:
    """The imports under `if TYPE_CHECKING:`: never run, so they cannot make a cycle."""
    guarded = [
        node for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
    ]
    return {inner for node in guarded for inner in ast.walk(node)}


def _imported(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The product modules `name` imports, at its top or inside a function."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    skipped, targets = _only_for_type_checking(tree), set()
    for node in ast.walk(tree):
        if node in skipped:
            continue
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            targets |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names}
    found = set()
    for target in targets:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or through others (Tarjan's strongly connected
    components of more than one module)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in sorted(graph[module]):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = stack[stack.index(module) :]
            del stack[stack.index(module) :]
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return groups


def test_the_cycle_finder_sees_a_cycle_through_a_function_level_import():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_product_modules_import_each_other_in_a_cycle():
    modules = _product_modules()
    assert "connections.services.actions" in modules and "onboarding.views.actions" in modules
    graph = {name: _imported(name, path, modules) for name, path in modules.items()}
    assert graph["connections.models"] >= {"connections.models.onboarding", "connections.models.history"}
    assert _cycles(graph) == []


def test_services_import_no_management_command():
    """A command is a shell over services (arguments, printing); a service never reaches into one."""
    modules = _product_modules()
    services = {name: path for name, path in modules.items() if name.startswith("connections.services")}
    reaching = {
        (name, imported)
        for name, path in services.items()
        for imported in _imported(name, path, modules)
        if ".management." in imported
    }
    assert reaching == set()


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
