"""Sign-in through the identity provider (the library's views, with clear pages for what goes wrong), sign-out."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import LogoutView
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.generic import View
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from .discovery import provider_metadata
from .problems import SignInFailed, SignInProblem, provider_faults, sign_in_failure

logger = logging.getLogger(__name__)

# Where the log-out leaves the provider's sign-out address for the signed-out page (in the new, empty session).
END_SESSION_KEY = "identity_end_session_url"
# The provider's errors (OpenID Connect Core 1.0, 3.1.2.6) that mean the person did not go on.
DECLINED_ERRORS = {"access_denied", "consent_required", "interaction_required", "login_required"}


def problem_page(request: HttpRequest, failure: SignInFailed) -> HttpResponse:
    logger.warning("Sign-in through the identity provider failed: %s", failure)
    wording = failure.problem.value
    return render(request, "identity/problem.html", {"wording": wording}, status=wording.status)


class SignInStart(OIDCAuthenticationRequestView):  # type: ignore[misc]  # the library has no types
    """Sends the browser to the provider with state, nonce and a PKCE challenge kept in the session."""

    def __init__(self, **kwargs: Any) -> None:
        # The library's __init__ reads the provider's endpoint; an unreachable provider must give a page, not a 500.
        View.__init__(self, **kwargs)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID

    @property
    def OIDC_OP_AUTH_ENDPOINT(self) -> str:  # noqa: N802 - the library's name
        return provider_metadata().authorization_endpoint

    def get(self, request: HttpRequest) -> HttpResponse:
        if not settings.OIDC_ISSUER:
            raise Http404("Single sign-on is not set up.")
        try:
            response: HttpResponse = super().get(request)
        except SignInFailed as failure:
            return problem_page(request, failure)
        return response


class SignInCallback(OIDCAuthenticationCallbackView):  # type: ignore[misc]
    """Where the provider sends the browser back: the code exchanged, the ID token checked, the person signed in."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not settings.OIDC_ISSUER:
            raise Http404("Single sign-on is not set up.")
        if "error" not in request.GET and request.GET.get("state") not in request.session.get("oidc_states", {}):
            return problem_page(request, SignInFailed(SignInProblem.EXPIRED, "no such state in this session"))
        try:
            response: HttpResponse = super().get(request)
        except provider_faults() as exc:
            return problem_page(request, sign_in_failure(exc))
        return response

    def login_failure(self) -> HttpResponse:
        """The provider answered with an error (the library has forgotten the state), or the person was refused."""
        error = self.request.GET.get("error")
        if not error:
            return problem_page(self.request, SignInFailed(SignInProblem.NOT_ACCEPTED, "the account was refused"))
        problem = SignInProblem.DECLINED if error in DECLINED_ERRORS else SignInProblem.PROVIDER_REFUSED
        return problem_page(self.request, SignInFailed(problem, f"the provider answered {error!r}"))


class SignOut(LogoutView):
    """Django's log-out; for someone who came through the provider, it also prepares the provider's sign-out."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        end_session = end_session_url(request)  # before the log-out forgets the ID token it names
        response = super().post(request, *args, **kwargs)
        if end_session:
            request.session[END_SESSION_KEY] = end_session
        return response


@require_GET
def signed_out(request: HttpRequest) -> HttpResponse:
    """The app's session is over; the provider's may go on, so this page offers to end that one too."""
    return render(request, "identity/signed_out.html", {"end_session_url": request.session.pop(END_SESSION_KEY, None)})


def end_session_url(request: HttpRequest) -> str | None:
    """The provider's RP-initiated logout for this session, back to the log-in page after; None if the person did
    not come through the provider, or the provider has no such endpoint or is down."""
    id_token = request.session.get("oidc_id_token")
    if not (settings.OIDC_ISSUER and id_token):
        return None
    try:
        endpoint = provider_metadata().end_session_endpoint
    except SignInFailed:
        return None
    if not endpoint:
        return None
    query = {
        # Most providers honour post_logout_redirect_uri only with the ID token as a hint (RP-Initiated Logout 1.0).
        "id_token_hint": id_token,
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
    }
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}"
