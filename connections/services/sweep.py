"""The sweep: settle the remote work a dead task left in flight (the task worker runs it at start, then often).

A task that dies (its worker killed) leaves its work in flight. Once its task cannot be running any more (its
lease expired, or the queue no longer holds it: services/lease.py), the wizard's step is settled (the object
adopted if Adobe has it, the step failed only after looking for it by its unique name), the dataflow's step is
failed as an unknown outcome (Retry looks for the object by its name first), and a remote action is failed
(Try again asks anew). Work whose task is still queued is never settled, however long the queue; several
workers may sweep at once (each settle is decided again under the row's lock).
"""

from __future__ import annotations

import logging

from . import actions, dataflow, wizard

log = logging.getLogger(__name__)


def sweep() -> int:
    """Settle all work in flight whose task cannot be running any more; how much was settled."""
    settled = wizard.settle_abandoned_steps() + dataflow.settle_abandoned()
    if settled:
        log.warning("Settled %d step(s) a dead task had left in flight", settled)
    return settled + actions.sweep_actions()
