"""Does a reused keep-alive connection to the emulator cost more than a fresh one? (It should cost less.)

Starts the emulator in its own process (`:memory:` state, a free port), then runs interleaved rounds: in each
round, N GETs of the Event Hubs connection spec on one keep-alive `requests.Session`, and N GETs each on a
fresh connection. Prints the median time per request of both and their ratio, per round and overall. A ratio
well above 1 means reused connections stall (Nagle's algorithm meeting delayed ACKs when a response is sent
in several writes); the emulator answers in one write with TCP_NODELAY set, so the ratio should be below 1.

    python scripts/bench_emulator.py [--rounds 5] [--requests 40]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
SPEC = "/data/foundation/flowservice/connectionSpecs/bf9f5905-92b7-48bf-bf20-455bc6b60a4e"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_emulator(port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "connections.flowservice_emulator", "--port", str(port)]
    process = subprocess.Popen([*command, "--state", ":memory:", "--quiet"], cwd=ROOT, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("the emulator did not start")


def headers(base: str) -> dict[str, str]:
    form = {"grant_type": "client_credentials", "client_id": "bench", "client_secret": "s", "scope": "openid"}
    token = requests.post(f"{base}/ims/token/v3", data=form, timeout=5).json()["access_token"]
    return {
        "Authorization": f"Bearer {token}",
        "x-api-key": "bench",
        "x-gw-ims-org-id": "B@AdobeOrg",
        "x-sandbox-name": "prod",
    }


def timed(get: object, url: str, hdrs: dict[str, str], n: int) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = get(url, headers=hdrs, timeout=5)  # type: ignore[operator]
        response.raise_for_status()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    port = free_port()
    process = start_emulator(port)
    base = f"http://127.0.0.1:{port}"
    try:
        hdrs, url = headers(base), base + SPEC
        ratios, kept_all, fresh_all = [], [], []
        print(f"{'round':>5}  {'keep-alive ms':>13}  {'fresh ms':>9}  {'ratio':>6}")
        for number in range(1, args.rounds + 1):
            with requests.Session() as session:
                kept = timed(session.get, url, hdrs, args.requests)
            fresh = timed(requests.get, url, hdrs, args.requests)  # a new connection per call
            k, f = statistics.median(kept) * 1000, statistics.median(fresh) * 1000
            ratios.append(k / f)
            kept_all += kept
            fresh_all += fresh
            print(f"{number:>5}  {k:>13.2f}  {f:>9.2f}  {k / f:>6.2f}")
        k, f = statistics.median(kept_all) * 1000, statistics.median(fresh_all) * 1000
        print(
            f"  all  {k:>13.2f}  {f:>9.2f}  {k / f:>6.2f}   (median of per-round ratios: "
            f"{statistics.median(ratios):.2f})"
        )
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
