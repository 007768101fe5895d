"""What the simulated event hubs carry: realistic JSON events, deterministic from the hub's name and the event's
number, a few of them malformed. Each hub holds a backlog (enqueued one second apart, ending at the state's epoch)
and then receives a live event every few seconds of the simulated clock.

Adobe's documents are silent on this (it is Azure's side); the volumes are the emulator's.
"""

from __future__ import annotations

import datetime
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

BACKLOG = 300
LIVE_EVERY_MS = {"orders": 10_000, "clickstream": 4_000, "inventory-updates": 30_000}
BROKEN_JSON_EVERY = 41  # every 41st event is cut short
WRONG_TYPE_EVERY = 29  # every 29th carries a value of the wrong type


@dataclass(frozen=True)
class Event:
    number: int
    enqueued_ms: int
    body: str  # what the producer sent: usually JSON, sometimes not


def enqueued_ms(hub: str, number: int, epoch_ms: int) -> int:
    if number < BACKLOG:
        return epoch_ms - (BACKLOG - number) * 1000
    return epoch_ms + (number - BACKLOG + 1) * LIVE_EVERY_MS.get(hub, 10_000)


def events(hub: str, epoch_ms: int, after_ms: int, until_ms: int) -> Iterator[Event]:
    """The hub's events enqueued in (after_ms, until_ms], oldest first."""
    number = 0 if after_ms < epoch_ms else BACKLOG + max(0, (after_ms - epoch_ms) // LIVE_EVERY_MS.get(hub, 10_000) - 1)
    while (at := enqueued_ms(hub, number, epoch_ms)) <= until_ms:
        if at > after_ms:
            yield Event(number, at, _body(hub, number, at))
        number += 1


def _body(hub: str, number: int, at: int) -> str:
    rng = random.Random(f"{hub}:{number}")
    record = MAKERS.get(hub, _order)(rng, number, at)
    if number % WRONG_TYPE_EVERY == WRONG_TYPE_EVERY - 1:
        key = next(k for k, v in record.items() if isinstance(v, int | float))
        record[key] = "n/a"
    text = json.dumps(record)
    return text[: len(text) // 2] if number % BROKEN_JSON_EVERY == BROKEN_JSON_EVERY - 1 else text


def _iso(at: int) -> str:
    return datetime.datetime.fromtimestamp(at / 1000, tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _order(rng: random.Random, number: int, at: int) -> dict[str, Any]:
    return {
        "id": f"ORD-{100000 + number}",
        "customerId": f"C{rng.randint(1000, 9999)}",
        "status": rng.choice(["placed", "paid", "shipped", "cancelled"]),
        "total": round(rng.uniform(5, 900), 2),
        "currency": rng.choice(["EUR", "USD", "GBP"]),
        "itemCount": rng.randint(1, 12),
        "placedAt": _iso(at),
    }


def _click(rng: random.Random, number: int, at: int) -> dict[str, Any]:
    page = rng.choice(["home", "search", "product", "cart", "checkout"])
    return {
        "id": f"CLK-{100000 + number}",
        "sessionId": f"s-{rng.getrandbits(48):012x}",
        "url": f"https://shop.contoso.example/{page}",
        "pageName": page,
        "referrer": rng.choice(["https://www.bing.com/", "https://www.google.com/", ""]),
        "userAgent": "Mozilla/5.0 (X11; Linux x86_64)",
        "element": rng.choice(["nav", "add-to-cart", "buy", "logo"]),
        "durationMs": rng.randint(50, 40000),
        "at": _iso(at),
    }


def _inventory(rng: random.Random, number: int, at: int) -> dict[str, Any]:
    return {
        "id": f"INV-{100000 + number}",
        "sku": f"SKU-{rng.randint(1, 500):04d}",
        "warehouse": rng.choice(["AMS-1", "FRA-2", "DUB-1"]),
        "quantity": rng.randint(0, 250),
        "at": _iso(at),
    }


MAKERS: dict[str, Callable[[random.Random, int, int], dict[str, Any]]] = {
    "orders": _order,
    "clickstream": _click,
    "inventory-updates": _inventory,
}
