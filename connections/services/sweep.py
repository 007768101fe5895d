"""The sweep: settle the remote work a dead task left in flight (the task worker runs it at start, then often).

A task that dies (its worker killed) leaves its work in flight. Once that is older than every call's timeouts,
the wizard's step is settled (the object adopted if Adobe has it, the step failed otherwise), the dataflow's
step is failed as an unknown outcome (Retry looks for the object by its name first), and a remote action is
failed (Try again asks anew).
"""

from __future__ import annotations

import datetime
import logging

from django.utils import timezone

from . import actions, dataflow, wizard
from .transitions import stale_after

log = logging.getLogger(__name__)


def sweep(*, older_than: datetime.timedelta | None = None) -> int:
    """Settle all work in flight longer than any call can last (or `older_than`); how much was settled."""
    started_before = timezone.now() - (older_than if older_than is not None else stale_after())
    settled = wizard.settle_abandoned_steps(started_before=started_before)
    settled += dataflow.settle_abandoned(started_before=started_before)
    if settled:
        log.warning("Settled %d step(s) a dead task had left in flight", settled)
    return settled + actions.sweep_actions(older_than=older_than)
