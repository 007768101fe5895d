"""The identity provider's endpoints, from its discovery document: fetched when first needed, then cached."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache

from .problems import SignInFailed, SignInProblem

WELL_KNOWN = "/.well-known/openid-configuration"
# A provider's endpoints and keys' address rarely move; a day's cache picks up a move without a restart.
CACHE_SECONDS = 24 * 60 * 60
REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    end_session_endpoint: str | None


def provider_metadata() -> ProviderMetadata:
    """The configured provider's metadata; SignInFailed when it cannot be had or does not fit OIDC_ISSUER."""
    issuer: str = settings.OIDC_ISSUER
    key = "identity:discovery:" + hashlib.sha256(issuer.encode()).hexdigest()
    document = cache.get(key)
    if document is None:
        document = fetch_document(issuer)
        cache.set(key, document, CACHE_SECONDS)
    return ProviderMetadata(
        **{name: document[name] for name in REQUIRED},
        userinfo_endpoint=document.get("userinfo_endpoint"),
        end_session_endpoint=document.get("end_session_endpoint"),
    )


def fetch_document(issuer: str) -> dict[str, Any]:
    import requests  # here, not above: the web process loads the HTTP client only once someone signs in this way

    url = issuer.rstrip("/") + WELL_KNOWN
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT, headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise SignInFailed(SignInProblem.UNREACHABLE, f"{url}: {type(exc).__name__}") from exc
    except (requests.RequestException, ValueError) as exc:
        raise SignInFailed(SignInProblem.APP_REFUSED, f"{url}: no discovery document ({exc})") from exc
    if not isinstance(document, dict) or any(not isinstance(document.get(name), str) for name in REQUIRED):
        raise SignInFailed(SignInProblem.APP_REFUSED, f"{url}: the discovery document lacks {', '.join(REQUIRED)}")
    # OpenID Connect Discovery 1.0, section 4.3: the document's issuer is the one asked for (a trailing
    # slash aside, which OIDC_ISSUER may or may not carry); ID tokens are then checked against the document's.
    if document["issuer"].rstrip("/") != issuer.rstrip("/"):
        raise SignInFailed(SignInProblem.APP_REFUSED, f"{url} names another issuer: {document['issuer']}")
    return document
