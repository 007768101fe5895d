"""The demo tenant's schemas, one per demo event hub: order events (orders), web clicks (clickstream) and a
profile schema. Fields are written once, as (path, XDM type); the raw and resolved forms are built from them.

Adobe's documents are silent on a sandbox's starting schemas; these exist in every sandbox of every org.
"""

from __future__ import annotations

from typing import Any

TENANT_ID = "eventhubsdemo"
TENANT = f"_{TENANT_ID}"
EVENT_CLASS = "https://ns.adobe.com/xdm/context/experienceevent"
PROFILE_CLASS = "https://ns.adobe.com/xdm/context/profile"

# XDM type -> JSON Schema of a resolved field
TYPES: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "date-time": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
    "uri": {"type": "string", "format": "uri-reference"},
    "email": {"type": "string", "format": "email"},
    "integer": {"type": "integer", "minimum": -2147483648, "maximum": 2147483647},
    "long": {"type": "integer", "minimum": -9007199254740992, "maximum": 9007199254740991},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
}
EVENT_FIELDS = [("_id", "string"), ("timestamp", "date-time"), ("eventType", "string")]
# XDM's ExperienceEvent class documentation: `_id` and `timestamp` are required for every schema of the class.
CLASS_REQUIRED: dict[str, tuple[str, ...]] = {EVENT_CLASS: ("_id", "timestamp")}

DEMO_SCHEMAS: list[dict[str, Any]] = [
    {
        "hash": "3f1c9a2e5b7d4c60a8e2f9b1d4c7a6e0",
        "title": "Order events",
        "description": "Orders placed in the web shop, as the orders event hub carries them.",
        "class": EVENT_CLASS,
        "fields": EVENT_FIELDS
        + [
            (f"{TENANT}.order.orderId", "string"),
            (f"{TENANT}.order.customerId", "string"),
            (f"{TENANT}.order.status", "string"),
            (f"{TENANT}.order.total", "number"),
            (f"{TENANT}.order.currency", "string"),
            (f"{TENANT}.order.itemCount", "integer"),
            (f"{TENANT}.order.placedAt", "date-time"),
        ],
    },
    {
        "hash": "8b2e7d1f0c4a4e9b9d6a3c5f1e2b7a48",
        "title": "Clickstream events",
        "description": "Page views and clicks from the web shop, as the clickstream event hub carries them.",
        "class": EVENT_CLASS,
        "fields": EVENT_FIELDS
        + [
            ("web.webPageDetails.URL", "uri"),
            ("web.webPageDetails.name", "string"),
            ("web.webReferrer.URL", "uri"),
            ("environment.browserDetails.userAgent", "string"),
            (f"{TENANT}.click.sessionId", "string"),
            (f"{TENANT}.click.element", "string"),
        ],
    },
    {
        "hash": "c5a4e3d2b1f04a7e8c9d0b1a2f3e4d5c",
        "title": "Shop customers",
        "description": "Customer profiles of the web shop.",
        "class": PROFILE_CLASS,
        "fields": [
            ("_id", "string"),
            ("person.name.firstName", "string"),
            ("person.name.lastName", "string"),
            ("person.birthDate", "date"),
            ("personalEmail.address", "email"),
            (f"{TENANT}.loyalty.loyaltyId", "string"),
            (f"{TENANT}.loyalty.points", "long"),
            (f"{TENANT}.loyalty.member", "boolean"),
        ],
    },
]
