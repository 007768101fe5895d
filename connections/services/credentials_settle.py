"""A credentials PATCH whose answer was lost: settled like the creates are, by reading the connection back.

The PATCH is sent with If-Match, so Adobe applies it only to the version the app knows. After a
timeout or a dropped connection, the connection's etag tells what happened:

- etag changed, and the non-secret parameters are the ones just sent: Adobe applied the PATCH.
  Adopt: the app keeps the new credentials and the new etag (otherwise Adobe would hold the new
  key and the app the old one).
- etag unchanged: Adobe did not apply it. Retry the PATCH once, with the same If-Match (safe:
  had the first one landed meanwhile, the etag would no longer match and Adobe would refuse it).
- etag changed to something else: someone changed the connection elsewhere; reload first.
- the read-back fails too: the outcome stays unknown; the error says so and the page offers Retry,
  which runs this same settlement again.

Adobe's documents are silent on whether a PATCH that timed out may still be applied later; the
If-Match guard makes the retry safe either way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connections.flowservice import FlowServiceError, PreconditionFailedError
from connections.flowservice.types import Created
from connections.messages import Problem
from connections.models import Onboarding

from .errors import StaleConnectionError

if TYPE_CHECKING:
    from connections.flowservice import FlowServiceClient


def _stale(message: str) -> StaleConnectionError:
    return StaleConnectionError(Problem(title="Changed in Adobe", message=message, retryable=False))


def _non_secret(params: dict[str, Any], secret_names: Any) -> dict[str, Any]:
    return {name: value for name, value in params.items() if name not in secret_names}


def _holds_what_was_typed(item: dict[str, Any], candidate: Onboarding) -> bool:
    """Adobe's copy carries the non-secret parameters just sent (its secrets are never read back)."""
    auth = candidate.client_auth()
    remote = (item.get("auth") or {}).get("params") or {}
    return _non_secret(remote, auth.SECRET_PARAMS) == _non_secret(auth.params(), auth.SECRET_PARAMS)


def settle_lost_patch(
    error: FlowServiceError, *, client: FlowServiceClient, onboarding: Onboarding, candidate: Onboarding
) -> Created:
    """The PATCH's result once its lost answer is settled; re-raises what cannot be settled."""
    if not error.outcome_unknown:
        raise error
    try:
        item = client.get_base_connection(onboarding.base_connection_id)
    except FlowServiceError:
        raise error from None  # still unknown: the page says so and offers Retry
    if item["etag"] == onboarding.base_connection_etag:
        try:
            return client.update_credentials(
                onboarding.base_connection_id, etag=onboarding.base_connection_etag, auth=candidate.client_auth()
            )
        except PreconditionFailedError as stale:
            raise _stale(
                "The connection changed in Adobe while the new credentials were being sent. Reload it, then try again."
            ) from stale
    if not _holds_what_was_typed(item, candidate):
        raise _stale(
            "The connection was changed in Adobe by someone else while the new credentials were being sent. "
            "Reload it from Adobe, then replace the key again."
        )
    return Created(id=onboarding.base_connection_id, etag=str(item["etag"]))


def resume_after_unknown(*, client: FlowServiceClient, onboarding: Onboarding, candidate: Onboarding) -> Created:
    """The Retry after an unknown outcome: read back first, then send the credentials typed again.

    If Adobe took the lost PATCH (its etag moved on, its non-secret parameters are the ones typed),
    the credentials are sent again under Adobe's etag: the result is the same, and the app learns
    the etag. Otherwise this is the ordinary PATCH under the etag the app knows.
    """
    item = client.get_base_connection(onboarding.base_connection_id)
    etag = str(item["etag"])
    if etag != onboarding.base_connection_etag and not _holds_what_was_typed(item, candidate):
        raise _stale(
            "The connection was changed in Adobe by someone else. Reload it from Adobe, then replace the key again."
        )
    return client.update_credentials(onboarding.base_connection_id, etag=etag, auth=candidate.client_auth())
