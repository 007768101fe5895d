"""IMS's rules: which clients, secrets and scopes get a token, and for how long. No HTTP here."""

from __future__ import annotations

from dataclasses import dataclass

from connections.flowservice_emulator.store import Store

from . import exceptions as refused

# The scopes Adobe Developer Console gives an Experience Platform API credential (flow-service.md section 4).
DEFAULT_SCOPES = ("openid", "AdobeID", "read_organizations", "additional_info.projectedProductContext", "session")


@dataclass(frozen=True)
class Token:
    access_token: str
    expires_in: int


class Ims:
    def __init__(
        self,
        store: Store,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        scopes: tuple[str, ...] = DEFAULT_SCOPES,
        token_lifetime: float = 86399.0,
    ) -> None:
        self.store = store
        self.client_id = client_id
        self.client_secret = client_secret
        self.scopes = scopes
        self.token_lifetime = token_lifetime

    def issue_token(self, form: dict[str, str]) -> Token:
        """A token for a client-credentials request, or IMS's refusal."""
        if form.get("grant_type") != "client_credentials":
            raise refused.UnsupportedGrantType()
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if not client_id or (self.client_id is not None and client_id != self.client_id):
            raise refused.InvalidClientId()
        if not secret or (self.client_secret is not None and secret != self.client_secret):
            raise refused.InvalidClientSecret()
        self._check_scopes(form.get("scope", ""))
        token = self.store.issue_token(client_id, self.token_lifetime)
        return Token(token, int(self.token_lifetime))

    def _check_scopes(self, scope: str) -> None:
        """Every requested scope must be one the credential was given (`--scopes`)."""
        requested = [s.strip() for s in scope.split(",") if s.strip()]
        if not requested:
            raise refused.InvalidScope(detail="")
        foreign = [s for s in requested if s not in self.scopes]
        if foreign:
            raise refused.InvalidScope(detail=f" ({', '.join(foreign)})")
