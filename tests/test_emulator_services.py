"""The emulator's shape: a service is a package whose routes are registered; backends know no HTTP;
each Adobe error is one class; no function over 50 lines."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

import connections.flowservice_emulator as emulator_package
from connections.flowservice_emulator import BackgroundEmulator, make_emulator
from connections.flowservice_emulator.errors import AdobeError, FlowServiceError, GatewayError
from connections.flowservice_emulator.flowservice.exceptions import Injected
from connections.flowservice_emulator.gateway import Caller
from connections.flowservice_emulator.http import Request, Response
from connections.flowservice_emulator.routing import Service, routes_for
from tests.conftest import EmulatorHandle

PACKAGE = Path(emulator_package.__file__).parent


class NoSuchGreeting(FlowServiceError):
    code, title, text = "1101-404", "Resource not found", "No greeting {name}."


def greet(request: Request, caller: Caller, name: str) -> Response:
    if name == "nobody":
        raise NoSuchGreeting(name=name)
    return Response(200, {"hello": name, "sandbox": caller.sandbox})


def hello_service() -> Service:
    """All a new service needs: a prefix, routes, and how its injected faults look."""
    return Service(
        "hello",
        "/data/foundation/hello",
        routes_for([("GET", r"/greetings/(?P<name>[^/]+)", greet)]),
        fault_error=lambda status, code, message: Injected(code or f"1000-{status}", message),
    )


@pytest.fixture
def with_hello() -> Iterator[EmulatorHandle]:
    emulator = make_emulator()
    emulator.register(hello_service())
    server = BackgroundEmulator(emulator).start()
    yield EmulatorHandle(server)
    server.stop()


class TestAddingAService:
    def test_its_routes_answer_behind_the_gateway(self, with_hello):
        url = with_hello.url + "/data/foundation/hello/greetings/ada"
        assert requests.get(url, timeout=5).json()["error_code"] == "403010"
        response = requests.get(url, headers=with_hello.headers(sandbox="dev"), timeout=5)
        assert response.json() == {"hello": "ada", "sandbox": "dev"}

    def test_its_typed_errors_become_adobe_answers(self, with_hello):
        url = with_hello.url + "/data/foundation/hello/greetings/nobody"
        response = requests.get(url, headers=with_hello.headers(), timeout=5)
        assert response.status_code == 404
        assert response.json()["report"]["detailed-message"] == "No greeting nobody."

    def test_fault_controls_apply_to_it(self, with_hello):
        fault = {"path": "/data/foundation/hello/greetings/*", "status": 503, "code": "1103-503"}
        requests.post(with_hello.url + "/__emulator__/faults", json=fault, timeout=5).raise_for_status()
        url = with_hello.url + "/data/foundation/hello/greetings/ada"
        assert requests.get(url, headers=with_hello.headers(), timeout=5).status_code == 503
        assert requests.get(url, headers=with_hello.headers(), timeout=5).status_code == 200


def emulator_modules() -> list[str]:
    prefix = emulator_package.__name__ + "."
    return [m.name for m in pkgutil.walk_packages(emulator_package.__path__, prefix) if m.name != prefix + "__main__"]


def error_classes() -> list[type[AdobeError]]:
    found = {
        obj
        for name in emulator_modules()
        if name.endswith("exceptions")
        for obj in vars(importlib.import_module(name)).values()
        if inspect.isclass(obj) and issubclass(obj, AdobeError) and obj.__module__ == name
    }
    return sorted(found, key=lambda cls: cls.__qualname__)


def test_each_adobe_error_is_written_once():
    flow = [c for c in error_classes() if issubclass(c, FlowServiceError) and c is not Injected]
    codes = [c.code for c in flow]
    assert len(codes) == len(set(codes)), "two classes for one Flow Service code"
    assert all(c.status == int(c.code.rsplit("-", 1)[1]) for c in flow)
    gateway = [c.error_code for c in error_classes() if issubclass(c, GatewayError) and c.error_code]
    assert len(gateway) == len(set(gateway))


def test_backends_know_no_http():
    for path in PACKAGE.rglob("models.py"):
        imported = {
            node.module or "" for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.ImportFrom)
        }
        assert not {m for m in imported if m.endswith(".http") or m == "http" or m.startswith("http.")}, path


def test_no_function_over_50_lines():
    long = [
        f"{path.relative_to(PACKAGE)}:{node.name}"
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef) and node.end_lineno and node.end_lineno - node.lineno >= 50
    ]
    assert long == []
