"""An onboarding's pages by URL name (`{{ urls.test }}` in a template)."""

from __future__ import annotations

from django.urls import reverse

from connections.models import Onboarding


class OnboardingUrls(dict[str, str]):
    """`urls.credentials` is `{% url 'onboarding:credentials' onboarding.public_id %}`, reversed when a template
    first asks for it: a step's page and its partials link to a dozen of the onboarding's pages."""

    def __init__(self, onboarding: Onboarding) -> None:
        super().__init__()
        self.public_id = onboarding.public_id

    def __missing__(self, name: str) -> str:
        url = self[name] = reverse(f"onboarding:{name}", args=[self.public_id])
        return url
