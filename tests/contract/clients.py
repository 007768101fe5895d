"""Clients for the contract and robustness tests: any Flow Service URL, any client option.

(tests/conftest.py's `make_client` is bound to the shared emulator; these tests also talk to proxies
and to a second emulator standing in for Adobe.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from connections.flowservice import CallRecord, FlowServiceClient, ImsTokenProvider, RetryPolicy, Timeouts
from tests.conftest import ORG_ID

FAST_RETRY = RetryPolicy(initial_delay=0.01, max_delay=0.05, budget=5)


def flow_client(
    *,
    flow_url: str,
    ims_url: str,
    observer: Callable[[CallRecord], None] | None = None,
    sandbox: str = "prod",
    session: requests.Session | None = None,
    **options: Any,
) -> FlowServiceClient:
    provider = ImsTokenProvider(
        ims_url=ims_url,
        client_id="test-client",
        client_secret="test-secret",
        retry=FAST_RETRY,
        timeouts=Timeouts(2, 5),
        session=session,
    )
    return FlowServiceClient(
        base_url=flow_url,
        api_key=provider.client_id,
        org_id=ORG_ID,
        sandbox_name=sandbox,
        token_provider=provider,
        timeouts=Timeouts(2, 5),
        retry=FAST_RETRY,
        observer=observer,
        session=session,
        **options,
    )
