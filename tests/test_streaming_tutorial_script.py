"""scripts/streaming_tutorial.sh (the walk-through in docs/streaming-tutorial.md) runs against the emulator and
shows each request with the answer Adobe's tutorial shows."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "streaming_tutorial.sh"


def test_the_walk_through_runs_request_by_request(emulator):
    done = subprocess.run(["bash", str(SCRIPT), emulator.url], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    shown = done.stderr
    steps = re.findall(r"^### (.+)$\n^(\w+) (\S+)", shown, flags=re.MULTILINE)
    assert [(method, path.split("?")[0]) for _, method, path in steps] == [
        ("POST", "/data/foundation/flowservice/connections"),
        ("POST", "/data/foundation/flowservice/sourceConnections"),
        ("GET", "/data/foundation/schemaregistry/tenant/schemas"),
        (
            "GET",
            "/data/foundation/schemaregistry/tenant/schemas/_eventhubsdemo.schemas.3f1c9a2e5b7d4c60a8e2f9b1d4c7a6e0",
        ),
        ("POST", "/data/foundation/catalog/dataSets"),
        ("POST", "/data/foundation/flowservice/targetConnections"),
        ("POST", "/data/foundation/conversion/mappingSets/validate"),
        ("POST", "/data/foundation/conversion/mappingSets"),
        ("GET", "/data/foundation/flowservice/flowSpecs"),
        ("POST", "/data/foundation/flowservice/flows"),
        ("GET", "/data/foundation/flowservice/runs"),
    ]
    statuses = re.findall(r"^→ HTTP (\d+)$", shown, flags=re.MULTILINE)
    assert statuses == ["201", "201", "200", "200", "201", "201", "200", "200", "200", "201", "200"]
    assert '"inputRecordCount"' in shown and "MAPPER-3700-400" in shown
    assert emulator.stats()["flows"] == 1
