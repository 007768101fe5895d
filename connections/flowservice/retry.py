"""When and how long to wait before retrying an idempotent request."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class RetryPolicy:
    """Capped exponential backoff with jitter, honouring Retry-After, within a time budget.

    Only reads and token requests use it: a create is never retried blindly.
    """

    max_attempts: int = 4
    initial_delay: float = 0.5
    max_delay: float = 8.0
    budget: float = 20.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    def backoff(self, attempt: int) -> float:
        """Delay before retry number `attempt` (1-based), before jitter."""
        return float(min(self.max_delay, self.initial_delay * (2 ** (attempt - 1))))

    def add_jitter(self, delay: float) -> float:
        """Spread retries of many clients: between half and all of the delay."""
        return delay * (0.5 + random.random() / 2)

    def delay_for(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        return self.add_jitter(self.backoff(attempt))

    def should_retry(self, *, attempt: int, started: float, delay: float) -> bool:
        """True when another attempt fits both the attempt count and the time budget."""
        if attempt >= self.max_attempts:
            return False
        return (self.clock() - started) + delay <= self.budget


NO_RETRY = RetryPolicy(max_attempts=1)
