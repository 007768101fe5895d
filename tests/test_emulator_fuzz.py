"""Malformed bodies on every path that takes one, and malformed list queries, in every service: a documented error,
never a 5xx."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connections.flowservice_emulator import make_emulator
from connections.flowservice_emulator.http import Request

EMULATOR = make_emulator()
TOKEN = EMULATOR.store.issue_token("c", 3600)
HEADERS = {
    "Authorization": f"Bearer {TOKEN}",
    "x-api-key": "c",
    "x-gw-ims-org-id": "A@AdobeOrg",
    "x-sandbox-name": "prod",
    "Content-Type": "application/json",
    "If-Match": '"x"',
    "Accept": "application/vnd.adobe.xed-id+json",
}
BODIES = st.one_of(
    st.binary(max_size=120),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=12),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=5),
        max_leaves=20,
    ).map(lambda value: json.dumps(value).encode()),
)
PATHS = [
    ("POST", "/data/foundation/flowservice/targetConnections"),
    ("POST", "/data/foundation/flowservice/flows"),
    ("PATCH", "/data/foundation/flowservice/flows/x"),
    ("POST", "/data/foundation/flowservice/flows/x/action?op=enable"),
    ("PATCH", "/data/foundation/flowservice/sourceConnections/x"),
    ("GET", "/data/foundation/flowservice/flows?property=name==a,b&limit=2"),
    ("POST", "/data/foundation/catalog/dataSets"),
    ("GET", "/data/foundation/catalog/dataSets?limit=5&start=1"),
    ("POST", "/data/foundation/conversion/mappingSets"),
    ("POST", "/data/foundation/conversion/mappingSets/validate"),
    ("GET", "/data/foundation/conversion/mappingSets?limit=2&start=0&name=a&orderBy=-updatedDate&expandSchema=true"),
    ("GET", "/data/foundation/conversion/mappingSets?limit=%C2%B2&start=0&orderBy=&expandSchema="),
    ("GET", "/data/foundation/conversion/mappingSets/x?expandSchema=true"),
    ("GET", "/data/foundation/schemaregistry/tenant/schemas"),
    ("POST", "/ims/token/v3"),
    ("POST", "/data/infrastructure/observability/insights/metrics"),
    ("GET", "/data/foundation/flowservice/runs?property=flowId==x"),
    ("GET", "/data/foundation/flowservice/connections/x/explore?objectType=file&object=orders&preview=true"),
]


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(body=BODIES, target=st.sampled_from(PATHS))
def test_malformed_bodies_get_a_documented_error_never_a_crash(body, target):
    method, path = target
    response = EMULATOR.handle(Request.build(method, path, HEADERS, body))
    assert response.status < 500, response.body
    if response.status >= 400:
        shapes = ({"type", "title", "status"}, {"error_code", "message"}, {"error", "error_description"})
        assert any(shape <= set(response.body) for shape in shapes), response.body


@settings(max_examples=200, deadline=None)
@given(values=st.dictionaries(st.sampled_from(["limit", "start", "name", "orderBy", "expandSchema"]), st.text()))
def test_any_mapping_set_list_query_gets_a_page_or_a_400(values):
    response = EMULATOR.handle(
        Request.build("GET", "/data/foundation/conversion/mappingSets?" + urlencode(values), HEADERS, b"")
    )
    assert response.status in (200, 400), response.body
    shape = {"data", "_page"} if response.status == 200 else {"type", "title", "status", "detail"}
    assert set(response.body) == shape
