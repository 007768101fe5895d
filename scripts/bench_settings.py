"""`make bench`'s server settings: production settings, with the URLs of the floors the budgets compare to."""

from onboarding.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
