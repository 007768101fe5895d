"""The one way a service fails: an OnboardingError carrying the Problem the page shows."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from connections.flowservice import FlowServiceError, PreconditionFailedError
from connections.messages import Problem, describe


class OnboardingError(Exception):
    """A request the onboarding cannot take now; `field` names the form field it concerns, if one."""

    def __init__(self, problem: Problem, *, field: str | None = None) -> None:
        super().__init__(problem.message)
        self.problem = problem
        self.field = field

    @property
    def message(self) -> str:
        return self.problem.message

    @classmethod
    def refused(cls, message: str, *, field: str | None = None) -> OnboardingError:
        """A request the rules refuse (no call to Adobe was made)."""
        return cls(Problem(title="Not possible", message=message, retryable=False), field=field)


class StaleConnectionError(OnboardingError):
    """Adobe's copy changed since the app read it (412): reload before changing it."""


def adobe_failed(error: FlowServiceError, *, doing: str, sandbox: str = "") -> OnboardingError:
    """The domain's error for a failed call to Adobe while `doing` something."""
    problem = describe(error, doing=doing, sandbox=sandbox)
    if isinstance(error, PreconditionFailedError):
        return StaleConnectionError(problem)
    return OnboardingError(problem)


def failure_record(error: FlowServiceError, *, doing: str, sandbox: str, unknown: bool) -> dict[str, Any]:
    """What an onboarding stores as its last error (`last_error`) after a failed step."""
    data = describe(error, doing=doing, sandbox=sandbox).as_json()
    data["outcome_unknown"] = unknown
    return data


def abandoned_record() -> dict[str, Any]:
    """The last error of a step that never settled (the app restarted while Adobe was called)."""
    problem = Problem(
        title="The last attempt did not finish",
        message="The last attempt stopped without an answer from Adobe. Retry first checks whether Adobe "
        "created the object, so nothing is created twice.",
        outcome_unknown=True,
        at=timezone.now().isoformat(),
    )
    return problem.as_json()
