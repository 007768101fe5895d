"""An onboarding's pages by URL name, from one reversal per page (`{{ urls.test }}` in a template)."""

from __future__ import annotations

import functools
import uuid

from django.urls import NoReverseMatch, reverse

from connections.models import Onboarding

SAMPLE = uuid.UUID(int=0)


class OnboardingUrls(dict[str, str]):
    """`urls.credentials` is `{% url 'onboarding:credentials' onboarding.public_id %}`.

    A page links to up to a dozen of the onboarding's pages; each `{% url %}` reverses its name again.
    Here the onboarding's own URL is reversed once and each page's tail appended (the tail is the same
    for every onboarding). A name that is not one of the onboarding's pages raises NoReverseMatch.
    """

    def __init__(self, onboarding: Onboarding) -> None:
        super().__init__()
        self.own = reverse("onboarding:detail", args=[onboarding.public_id])

    def __missing__(self, name: str) -> str:
        url = self[name] = self.own + _tail(name)
        return url


@functools.cache
def _tail(name: str) -> str:
    """What the page `name` adds to an onboarding's own URL."""
    own = reverse("onboarding:detail", args=[SAMPLE])
    url = reverse(f"onboarding:{name}", args=[SAMPLE])
    if not url.startswith(own):
        raise NoReverseMatch(f"onboarding:{name} is not under an onboarding's own URL.")
    return url.removeprefix(own)
