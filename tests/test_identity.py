"""Sign-in through a real OpenID Connect provider (npm oidc-provider), driven without a browser."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation

from identity.backends.organisation import OrganisationBackend
from identity.membership import AUDITORS_GROUP, groups_in, teams_of
from identity.models import Identity
from identity.people import person_create
from tests.identity_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    IdentityProvider,
    callback_query,
    running_provider,
    sign_in_at_provider,
)
from tests.test_going_live import manage

pytestmark = pytest.mark.django_db

ORGANISATION_BACKEND = "identity.backends.organisation.OrganisationBackend"
CALLBACK = "http://testserver/oidc/callback/"
PEOPLE = {
    "ada": {"preferred_username": "ada", "given_name": "Ada", "groups": ["team-blue", "team-green"]},
    "ben": {"preferred_username": "ben", "groups": ["platform-admins", "team-blue"]},
    "cy": {"preferred_username": "cy", "groups": ["Auditors-IdP"]},
    "dee": {"preferred_username": "dee"},  # the provider sends no groups claim for her
}


@pytest.fixture(scope="module")
def provider() -> Iterator[IdentityProvider]:
    with running_provider([CALLBACK], ["http://testserver/login/"]) as running:
        yield running


@pytest.fixture
def sso(settings: Any, provider: IdentityProvider) -> IdentityProvider:
    """The app pointed at the test provider, with everyone in PEOPLE known there."""
    provider.set_people(PEOPLE)
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_ADMIN_GROUPS = ["platform-admins"]
    settings.OIDC_AUDITOR_GROUPS = ["auditors-idp"]
    settings.LOGOUT_REDIRECT_URL = "identity:signed_out"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, ORGANISATION_BACKEND]
    cache.clear()
    return provider


SSO_ENV = {
    "OIDC_ISSUER": "https://login.microsoftonline.com/contoso/v2.0",
    "OIDC_CLIENT_ID": "app",
    "OIDC_CLIENT_SECRET": "secret",
}


def sign_in(client: Any, provider: IdentityProvider, login: str, *, consent: bool = True, **query: str) -> Any:
    start = client.get("/oidc/authenticate/", query)
    assert start.status_code == 302, start.content
    back = sign_in_at_provider(provider, start["Location"], login, consent=consent)
    assert back.startswith(CALLBACK)
    return client.get("/oidc/callback/", callback_query(back))


def person(login: str) -> User:
    return User.objects.get(username=login)


def team_names(user: User) -> set[str]:
    return set(teams_of(user).values_list("name", flat=True))


# Settings


def test_settings_with_an_issuer_load_without_asking_it_anything():
    """No network here: a discovery fetch while the settings load or the checks run would fail the command."""
    shown = "from django.conf import settings as s; print(s.AUTHENTICATION_BACKENDS, s.LOGOUT_REDIRECT_URL)"
    result = manage("shell", "-c", shown, **SSO_ENV)
    assert result.returncode == 0, result.stderr
    assert "identity.backends.organisation.OrganisationBackend" in result.stdout
    assert "identity:signed_out" in result.stdout


def test_settings_without_an_issuer_keep_the_password_only():
    result = manage("shell", "-c", "from django.conf import settings as s; print(s.AUTHENTICATION_BACKENDS)")
    assert "['identity.backends.password.LocalPasswordBackend']" in result.stdout.splitlines()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({**SSO_ENV, "OIDC_CLIENT_SECRET": ""}, "OIDC_CLIENT_ID or OIDC_CLIENT_SECRET is not"),
        ({**SSO_ENV, "OIDC_ISSUER": "http://idp.example.com"}, "must be an https:// address"),
        ({"LOCAL_PASSWORD_LOGIN": "false"}, "LOCAL_PASSWORD_LOGIN=false needs OIDC_ISSUER"),
    ],
    ids=["no-secret", "plain-http", "nobody-could-log-in"],
)
def test_settings_that_cannot_work_stop_the_app(env, message):
    result = manage("check", **env)
    assert result.returncode != 0 and message in result.stderr


# Signing in


def test_sign_in_asks_with_state_nonce_and_pkce(client, sso):
    query = callback_query(client.get("/oidc/authenticate/")["Location"])
    assert {"state", "nonce", "code_challenge"} <= query.keys()
    assert query["code_challenge_method"] == "S256"
    assert query["scope"] == "openid email profile groups"


def test_a_person_signs_in_lands_on_my_onboardings_with_teams_and_no_password(client, sso):
    response = sign_in(client, sso, "ada")
    assert response.status_code == 302 and response["Location"] == "/onboardings/"
    ada = person("ada")
    assert not ada.has_usable_password()
    assert (ada.first_name, ada.email) == ("Ada", "ada@example.test")
    assert team_names(ada) == {"team-blue", "team-green"}
    assert not ada.is_staff and not ada.is_superuser
    assert Identity.objects.get(user=ada).subject == "ada"
    assert client.get("/onboardings/").status_code == 200


def test_sign_in_returns_to_the_page_asked_for_on_this_site_only(client, sso):
    page = client.get("/login/", {"next": "/onboardings/new/"}).content.decode()
    assert 'href="/oidc/authenticate/?next=%2Fonboardings%2Fnew%2F"' in page
    assert sign_in(client, sso, "ada", next="/onboardings/new/")["Location"] == "/onboardings/new/"
    client.logout()
    assert sign_in(client, sso, "ada", next="https://evil.example/")["Location"] == "/onboardings/"


def test_teams_follow_the_provider_at_every_sign_in(client, sso):
    sign_in(client, sso, "ada")
    sso.set_people({**PEOPLE, "ada": {**PEOPLE["ada"], "groups": ["team-green", "team-red"]}})
    client.logout()
    sign_in(client, sso, "ada")
    assert team_names(person("ada")) == {"team-green", "team-red"}
    assert set(Group.objects.get(name="team-blue").user_set.all()) == set()


def test_a_missing_groups_claim_keeps_the_teams_it_does_not_know_about(client, sso):
    sign_in(client, sso, "ada")
    sso.set_people({**PEOPLE, "ada": {"preferred_username": "ada"}})
    client.logout()
    sign_in(client, sso, "ada")
    assert team_names(person("ada")) == {"team-blue", "team-green"}


def test_a_person_without_groups_claim_signs_in_with_no_team(client, sso):
    assert sign_in(client, sso, "dee")["Location"] == "/onboardings/"
    assert team_names(person("dee")) == set()


def test_teammates_share_one_team_group(client, sso):
    sign_in(client, sso, "ada")
    client.logout()
    sign_in(client, sso, "ben")
    blue = Group.objects.get(name="team-blue")
    assert set(blue.user_set.values_list("username", flat=True)) == {"ada", "ben"}


def test_people_are_keyed_on_issuer_and_subject_not_email_or_name(client, sso, django_user_model):
    local = django_user_model.objects.create_user("ada", email="ada@example.test", password="local-password-1")
    sign_in(client, sso, "ada")
    signed_in = Identity.objects.get(subject="ada").user
    assert signed_in != local and signed_in.username.startswith("ada-")
    assert local.identities.count() == 0


@pytest.mark.parametrize(
    ("claims", "groups"),
    [
        ({"groups": ["a", "b", "a"]}, ["a", "b"]),
        ({"groups": "a"}, ["a"]),
        ({"groups": []}, []),
        ({}, None),  # no claim: unknown
        ({"_claim_names": {"groups": "src1"}, "_claim_sources": {"src1": {}}}, None),  # Entra ID's overage
        ({"hasgroups": True}, None),
        ({"groups": {"a": 1}}, None),
    ],
)
def test_groups_are_read_from_the_claim_or_unknown(claims, groups):
    assert groups_in(claims) == groups


def test_a_person_made_twice_at_once_is_one_account(settings):
    """Two tabs finishing a first sign-in together: the second finds the account the first made."""
    claims = {"iss": "https://idp.example", "sub": "s-1", "preferred_username": "zed", "groups": ["team-z"]}
    first, second = person_create(claims=claims), person_create(claims=claims)
    assert first == second and User.objects.filter(username__startswith="zed").count() == 1
    assert team_names(first) == {"team-z"}


# Roles


def test_admin_group_gives_the_full_admin(client, sso):
    sign_in(client, sso, "ben")
    ben = person("ben")
    assert ben.is_staff and ben.is_superuser
    assert team_names(ben) == {"team-blue"}  # the admin group is a role, not a team
    assert client.get("/admin/connections/onboarding/").status_code == 200


def test_auditor_group_reads_the_admin_and_changes_nothing(client, sso):
    sign_in(client, sso, "cy")
    cy = person("cy")
    assert cy.is_staff and not cy.is_superuser
    assert cy.groups.filter(name=AUDITORS_GROUP).exists() and team_names(cy) == set()
    assert client.get("/admin/connections/onboarding/").status_code == 200
    assert client.get("/admin/auth/user/add/").status_code == 403


def test_roles_are_taken_away_when_the_provider_stops_giving_them(client, sso):
    sign_in(client, sso, "cy")
    sso.set_people({**PEOPLE, "cy": {"preferred_username": "cy", "groups": ["team-blue"]}})
    client.logout()
    sign_in(client, sso, "cy")
    cy = person("cy")
    assert not cy.is_staff and not cy.groups.filter(name=AUDITORS_GROUP).exists()
    assert client.get("/admin/connections/onboarding/").status_code == 302  # to the admin's log-in


def test_the_admin_shows_identities_and_teams_read_only(client, sso, admin_client):
    sign_in(client, sso, "ada")
    identities = admin_client.get("/admin/identity/identity/")
    assert identities.status_code == 200 and b"ada" in identities.content
    teams = admin_client.get("/admin/identity/team/").content.decode()
    assert "team-blue" in teams and "team-green" in teams
    assert admin_client.get("/admin/identity/team/add/").status_code == 403


# What goes wrong gets a clear page


def test_a_refused_consent_gives_a_clear_page(client, sso):
    response = sign_in(client, sso, "ada", consent=False)
    assert response.status_code == 403
    assert b"You did not allow the sign-in" in response.content
    assert "_auth_user_id" not in client.session


def test_another_provider_error_gives_a_clear_page(client, sso):
    response = client.get("/oidc/callback/", {"error": "temporarily_unavailable"})
    assert response.status_code == 403
    assert b"did not sign you in" in response.content


def test_a_deactivated_account_is_not_signed_in(client, sso):
    sign_in(client, sso, "ada")
    User.objects.filter(username="ada").update(is_active=False)
    client.logout()
    response = sign_in(client, sso, "ada")
    assert response.status_code == 403 and b"Your account cannot use this app" in response.content
    assert "_auth_user_id" not in client.session


def test_a_wrong_client_secret_gives_a_clear_page(client, sso, settings):
    settings.OIDC_RP_CLIENT_SECRET = "not-the-secret"
    response = sign_in(client, sso, "ada")
    assert response.status_code == 502
    assert b"refused this app" in response.content
    assert b"not-the-secret" not in response.content


def test_an_unreachable_provider_gives_a_clear_page(client, sso, settings):
    settings.OIDC_ISSUER = f"http://127.0.0.1:{closed_port()}"
    response = client.get("/oidc/authenticate/")
    assert response.status_code == 503
    assert b"cannot be reached" in response.content


def test_a_callback_used_twice_is_refused_clearly(client, sso):
    start = client.get("/oidc/authenticate/")
    query = callback_query(sign_in_at_provider(sso, start["Location"], "ada"))
    assert client.get("/oidc/callback/", query).status_code == 302
    client.logout()
    again = client.get("/oidc/callback/", query)
    assert again.status_code == 400 and b"This sign-in has expired" in again.content


def test_the_discovery_document_is_read_once(client, sso, settings):
    client.get("/oidc/authenticate/")
    settings.OIDC_TIMEOUT = 0.001  # a second fetch would now fail
    assert client.get("/oidc/authenticate/").status_code == 302


def test_sso_pages_are_not_found_without_an_issuer(client, settings):
    settings.OIDC_ISSUER = ""
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/", {"code": "x", "state": "y"}).status_code == 404


# Signing out


def test_sign_out_ends_the_session_and_offers_the_providers(client, sso):
    sign_in(client, sso, "ada")
    id_token = client.session["oidc_id_token"]
    response = client.post("/logout/", follow=True)
    assert "_auth_user_id" not in client.session
    end_session = response.context["end_session_url"]
    assert end_session.startswith(sso.issuer + "/session/end?")
    assert callback_query(end_session) == {
        "id_token_hint": id_token,
        "client_id": CLIENT_ID,
        "post_logout_redirect_uri": "http://testserver/login/",
    }
    assert client.get("/oidc/signed-out/").context["end_session_url"] is None  # offered once


def test_a_local_log_out_offers_no_providers_sign_out(client, sso, django_user_model):
    django_user_model.objects.create_superuser("root", password="root-password-1")
    client.post("/login/", {"username": "root", "password": "root-password-1"})
    response = client.post("/logout/", follow=True)
    assert response.context["end_session_url"] is None
    assert b"You are signed out" in response.content


# The log-in page and the local password


def test_the_login_page_leads_with_the_organisation_and_names_the_redirect_uri(client, sso):
    page = client.get("/login/").content.decode()
    assert "Sign in with your organisation" in page
    assert page.index("Sign in with your organisation") < page.index('name="password"')
    assert CALLBACK in page


def test_without_an_issuer_the_login_page_is_as_before(client, settings):
    settings.OIDC_ISSUER = ""
    page = client.get("/login/").content.decode()
    assert "Sign in with your organisation" not in page and 'name="password"' in page


def test_with_sso_the_password_is_for_a_break_glass_superuser_only(client, sso, django_user_model):
    django_user_model.objects.create_user("local", password="local-password-1")
    django_user_model.objects.create_superuser("root", password="root-password-1")
    refused = client.post("/login/", {"username": "local", "password": "local-password-1"})
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    assert client.post("/login/", {"username": "root", "password": "root-password-1"}).status_code == 302


def test_the_local_password_can_be_switched_off(client, sso, settings, django_user_model):
    settings.LOCAL_PASSWORD_LOGIN = False
    django_user_model.objects.create_superuser("root", password="root-password-1")
    assert 'name="password"' not in client.get("/login/").content.decode()
    client.post("/login/", {"username": "root", "password": "root-password-1"})
    assert "_auth_user_id" not in client.session


# The ID token's checks, with tokens signed here


@pytest.fixture
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def id_token(key: rsa.RSAPrivateKey, issuer: str, kid: str = "tests", **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": issuer, "sub": "ada", "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": "n", **claims}
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def backend_trusting(monkeypatch, sso, signing_key) -> OrganisationBackend:
    """The backend, with the key signed here standing in for the provider's JWKS."""
    public = jwt.PyJWK(jwt.algorithms.RSAAlgorithm.to_jwk(signing_key.public_key(), as_dict=True))
    monkeypatch.setattr(OrganisationBackend, "retrieve_matching_jwk", lambda self, token: public)
    return OrganisationBackend()


def test_a_well_formed_token_is_accepted(backend_trusting, signing_key, sso):
    assert backend_trusting.verify_token(id_token(signing_key, sso.issuer), nonce="n")["sub"] == "ada"


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "another-app"},
        {"aud": [CLIENT_ID, "another-app"]},  # several audiences and no azp naming this app
        {"iss": "https://impostor.example"},
        {"exp": int(time.time()) - 3600},
        {"nonce": "replayed"},
    ],
    ids=["wrong-audience", "shared-audience", "wrong-issuer", "expired", "wrong-nonce"],
)
def test_a_token_failing_a_check_is_refused(backend_trusting, signing_key, sso, claims):
    with pytest.raises(SuspiciousOperation):
        backend_trusting.verify_token(id_token(signing_key, sso.issuer, **claims), nonce="n")


def test_a_token_not_signed_with_the_providers_key_is_refused(client, sso, signing_key):
    """The provider's real JWKS, and a token naming its key but signed with another."""
    kid = jwt.get_unverified_header(real_id_token(client, sso))["kid"]
    forged = id_token(signing_key, sso.issuer, kid=kid)
    with pytest.raises(SuspiciousOperation):
        OrganisationBackend().verify_token(forged, nonce="n")


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_a_token_signed_with_the_client_secret_is_refused(sso):
    """The algorithm confusion attack: an HMAC with the client secret, which anyone holding it could make."""
    claims = {"iss": sso.issuer, "sub": "ada", "aud": CLIENT_ID}
    forged = jwt.encode(claims, CLIENT_SECRET, algorithm="HS256", headers={"kid": "any"})
    with pytest.raises(SuspiciousOperation):
        OrganisationBackend().verify_token(forged, nonce="n")


def real_id_token(client: Any, provider: IdentityProvider) -> str:
    """An ID token the provider issued, by exchanging a code for it as the app does."""
    import requests

    start = client.get("/oidc/authenticate/")
    code = callback_query(sign_in_at_provider(provider, start["Location"], "ada"))["code"]
    verifier = client.session["oidc_states"][callback_query(start["Location"])["state"]]["code_verifier"]
    tokens = requests.post(
        provider.issuer + "/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, "code_verifier": verifier},
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=10,
    )
    tokens.raise_for_status()
    return str(tokens.json()["id_token"])


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
