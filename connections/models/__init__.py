"""The app's models: an onboarding, its dataflows, the remote actions asked of Adobe, and the history.

onboarding (the wizard's memory) ← dataflow ← actions; history (append-only rows about both) imports them;
go_live (the contract check run from the admin) stands alone.
"""

from __future__ import annotations

from .actions import ActionResult, RemoteAction
from .copies import OnboardingCopy
from .dataflow import Dataflow
from .go_live import GoLiveCheck
from .history import (
    AppendOnlyError,
    AppendOnlyModel,
    DataflowChange,
    FlowServiceCall,
    HistoryChainHead,
    HistoryQuerySet,
    StateChange,
)
from .onboarding import Check, CheckState, Onboarding
from .readers import ReaderSlot
from .sandboxes import SandboxListing

__all__ = [
    "ActionResult",
    "AppendOnlyError",
    "AppendOnlyModel",
    "Check",
    "CheckState",
    "Dataflow",
    "DataflowChange",
    "FlowServiceCall",
    "GoLiveCheck",
    "HistoryChainHead",
    "HistoryQuerySet",
    "Onboarding",
    "OnboardingCopy",
    "ReaderSlot",
    "RemoteAction",
    "SandboxListing",
    "StateChange",
]
