"""`python -m connections.flowservice_emulator`: run the Flow Service emulator locally."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from . import make_emulator
from .azure import DEMO_FILE
from .ims import DEFAULT_SCOPES
from .server import EmulatorHTTPServer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m connections.flowservice_emulator",
        description="A local stand-in for Adobe Flow Service and IMS, with a simulated Azure Event Hubs side.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8765")))
    parser.add_argument(
        "--state",
        default=".emulator/state.sqlite3",
        help="SQLite file that keeps connections across restarts (':memory:' keeps nothing)",
    )
    parser.add_argument("--azure", default=str(DEMO_FILE), help="JSON file describing the simulated Azure side")
    parser.add_argument("--client-id", help="the only IMS client id accepted (default: any non-empty one)")
    parser.add_argument("--client-secret", help="the only IMS client secret accepted (default: any non-empty one)")
    parser.add_argument(
        "--org-id",
        help="the only IMS org accepted (default: a token belongs to the first ...@AdobeOrg it is used with)",
    )
    parser.add_argument(
        "--scopes",
        default=",".join(DEFAULT_SCOPES),
        help="comma-separated scopes the IMS credential was given; a token request for any other is refused",
    )
    parser.add_argument(
        "--sandboxes",
        default="prod,dev",
        help="comma-separated sandbox names that exist; the first is the default production sandbox",
    )
    parser.add_argument("--token-lifetime", type=float, default=86399.0, help="seconds an IMS token lives")
    parser.add_argument("--faults", action="store_true", help="enable the fault-injection control endpoints")
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    return parser.parse_args(argv)


def _names(listed: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in listed.split(",") if name.strip())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="emulator: %(message)s")
    if args.state != ":memory:":
        Path(args.state).parent.mkdir(parents=True, exist_ok=True)
    emulator = make_emulator(
        state=args.state,
        azure_file=args.azure,
        faults=args.faults,
        client_id=args.client_id,
        client_secret=args.client_secret,
        org_id=args.org_id,
        scopes=_names(args.scopes),
        token_lifetime=args.token_lifetime,
        sandboxes=_names(args.sandboxes),
    )
    try:
        httpd = EmulatorHTTPServer((args.host, args.port), emulator)
    except OSError as exc:
        print(f"emulator: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    base = f"http://{args.host}:{args.port}"
    print(f"Flow Service emulator listening on {base}", flush=True)
    for service in emulator.services:
        print(f"  {service.name:<15} {base}{service.prefix}", flush=True)
    print(f"  state: {args.state}; azure: {args.azure}; faults: {'on' if args.faults else 'off'}", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
