"""Import boundaries: the client knows no Django; the emulator knows neither Django nor the client."""

from __future__ import annotations

import subprocess
import sys

import pytest


def loaded_after(import_line: str) -> set[str]:
    code = f"import sys; {import_line}; print('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


@pytest.mark.parametrize("package", ["connections.flowservice", "connections.flowservice_emulator"])
def test_package_loads_no_django(package):
    modules = loaded_after(
        f"import {package}; import {package}.__main__" if "emulator" in package else f"import {package}"
    )
    assert not {m for m in modules if m == "django" or m.startswith("django.")}


def test_emulator_does_not_load_the_client():
    modules = loaded_after("import connections.flowservice_emulator.__main__")
    assert "connections.flowservice" not in modules


def test_client_does_not_load_the_emulator():
    modules = loaded_after("import connections.flowservice")
    assert not {m for m in modules if m.startswith("connections.flowservice_emulator")}
