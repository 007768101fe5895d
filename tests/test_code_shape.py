"""The shape rule: no product function over 50 lines (tests and migrations aside)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("onboarding", "connections", "identity", "monitoring", "scripts")
MOST_LINES = 50


def product_files() -> list[Path]:
    return sorted(
        path for package in PRODUCT for path in (ROOT / package).rglob("*.py") if "migrations" not in path.parts
    )


def long_functions(path: Path, root: Path = ROOT) -> list[str]:
    return [
        f"{path.relative_to(root)}:{node.lineno} {node.name} ({length} lines)"
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path)))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (length := (node.end_lineno or node.lineno) - node.lineno + 1) > MOST_LINES
    ]


def test_the_check_sees_the_product_and_counts_lines(tmp_path):
    assert {path.parts[len(ROOT.parts)] for path in product_files()} == set(PRODUCT)
    sample = tmp_path / "sample.py"
    body = "".join(f"    x{i} = {i}\n" for i in range(MOST_LINES - 1))
    sample.write_text(f"def fits():\n{body}\n\ndef too_long():\n{body}    return x0\n")
    assert long_functions(sample, tmp_path) == [f"sample.py:{MOST_LINES + 3} too_long (51 lines)"]


def test_no_product_function_is_over_50_lines():
    found = [line for path in product_files() for line in long_functions(path)]
    assert found == [], "split these:\n" + "\n".join(found)
