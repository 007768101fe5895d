"""IMS's HTTP side: read the form, answer the token."""

from __future__ import annotations

from urllib.parse import parse_qs

from connections.flowservice_emulator.http import Request, Response

from . import exceptions
from .models import Ims


class ImsResponses:
    def __init__(self, ims: Ims) -> None:
        self.ims = ims

    def token(self, request: Request, caller: None) -> Response:
        """The fields may come in the form body or the query string; the body wins (Adobe prefers it)."""
        form = {k: v[0] for k, v in parse_qs(request.body.decode(errors="replace")).items()}
        form.update({k: v[0] for k, v in request.query.items() if k not in form})
        token = self.ims.issue_token(form)
        return Response(
            200, {"access_token": token.access_token, "token_type": "bearer", "expires_in": token.expires_in}
        )

    def wrong_method(self, request: Request, caller: None) -> Response:
        raise exceptions.MethodNotAllowed()
