"""What the connections app tells others without knowing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after Adobe answered a read of a dataflow and its runs (`dataflow`, `flow`, `runs`, newest first, and
# `at`, when it was asked), so whoever keeps a summary of runs keeps this answer instead of asking again.
dataflow_runs_read = Signal()
