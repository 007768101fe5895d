"""The identity provider's backend: mozilla-django-oidc's, with discovery, harder ID token checks and our people."""

from __future__ import annotations

from typing import Any

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import User
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from identity import people
from identity.discovery import provider_metadata

# Claims every ID token must carry (OpenID Connect Core 1.0, section 2); PyJWT checks iss, aud and exp.
REQUIRED_CLAIMS = ["iss", "sub", "aud", "exp", "iat"]
# Clocks of the provider and the app may disagree by this many seconds.
LEEWAY_SECONDS = 60


class OrganisationBackend(OIDCAuthenticationBackend):  # type: ignore[misc]  # the library has no types
    """The authorization code flow with PKCE and nonce; the ID token's signature, issuer, audience and expiry
    checked; people found by (issuer, subject)."""

    def __init__(self) -> None:
        # The library's __init__ reads the provider's endpoints. Django builds this backend for every password
        # log-in and every request of a signed-in person, which must neither wait on the provider nor fail with
        # it: the endpoints are read from discovery when a sign-in needs them (the properties below).
        self.UserModel = get_user_model()
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None  # keys come from the provider's JWKS

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:  # noqa: N802 - the library's name
        return provider_metadata().token_endpoint

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:  # noqa: N802
        return provider_metadata().jwks_uri

    def authenticate(
        self, request: HttpRequest | None, *, nonce: str | None, code_verifier: str | None
    ) -> AbstractBaseUser | None:
        """Only the sign-in callback calls with these arguments; a password log-in never reaches this backend."""
        if not settings.OIDC_ISSUER:
            return None
        user: AbstractBaseUser | None = super().authenticate(request, nonce=nonce, code_verifier=code_verifier)
        return user

    def retrieve_matching_jwk(self, token: bytes | str) -> jwt.PyJWK:
        """The provider's key the token names, once its header asks for the expected algorithm and names a key."""
        header = jwt.get_unverified_header(token)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO or not header.get("kid"):
            raise SuspiciousOperation(f"The ID token's header is not an {self.OIDC_RP_SIGN_ALGO} one naming its key.")
        key: jwt.PyJWK = super().retrieve_matching_jwk(token)
        return key

    def get_payload_data(self, token: bytes | str, key: Any) -> dict[str, Any]:
        """The token's claims once its signature, issuer, audience, expiry and issue time are checked."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=provider_metadata().issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as exc:
            raise SuspiciousOperation(f"The ID token was refused: {exc}") from exc
        # Core 1.0, section 3.1.3.7: with several audiences, the authorized party must be this app.
        if isinstance(claims["aud"], list) and len(claims["aud"]) > 1 and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("The ID token was issued to several audiences, and not on this app's behalf.")
        return claims

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The ID token's claims with the provider's userinfo over them (Entra ID's groups are in the token only)."""
        endpoint = provider_metadata().userinfo_endpoint
        if not endpoint:
            return payload
        self.OIDC_OP_USER_ENDPOINT = endpoint
        userinfo: dict[str, Any] = super().get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload["sub"]:  # Core 1.0, section 5.3.2
            raise SuspiciousOperation("The userinfo answer is about someone else than the ID token.")
        return {**payload, **userinfo, "iss": payload["iss"], "sub": payload["sub"]}

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(claims.get("iss")) and bool(claims.get("sub"))

    def filter_users_by_claims(self, claims: dict[str, Any]) -> list[User]:
        user = people.person_find(claims=claims)
        return [user] if user else []

    def create_user(self, claims: dict[str, Any]) -> User:
        return people.person_create(claims=claims)

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        return people.person_update(user=user, claims=claims)
