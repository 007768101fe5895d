"""`make bench`'s server settings: production settings plus one bare page, the floor every page is compared to."""

from onboarding.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
