"""Hostile input answers 4xx with the app's own page, never a 500."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from connections.models import Onboarding
from tests.conftest import account_post

OWN_PAGE = b"Event Hubs Onboarding"
FORM = "application/x-www-form-urlencoded"


def refused(response: Any) -> bool:
    return 400 <= response.status_code < 500


@pytest.fixture
def quiet(client: Client) -> Client:
    client.raise_request_exception = False
    return client


@pytest.mark.django_db
class TestHostileQueryStrings:
    def test_a_nul_in_a_filter_is_refused_by_the_admin_not_a_500(self, quiet, admin_user, make_onboarding):
        """PostgreSQL's driver refuses NUL in text before sending it (DataError): the admin's "?e=1" there."""
        make_onboarding("draft")
        quiet.force_login(admin_user)
        response = quiet.get(reverse("admin:connections_onboarding_changelist"), {"status": "\x00"})
        assert response.status_code == 200 or (response.status_code == 302 and "e=1" in response["Location"])
        assert quiet.get(reverse("onboarding:list"), {"page": "\x00"}).status_code == 404

    @pytest.mark.parametrize("page", ["²", "٣x", "9" * 20, "-1", "0x10", "1e3", " 2"])
    def test_page_number_attack_on_my_onboardings(self, quiet, user, page):
        quiet.force_login(user)
        response = quiet.get(reverse("onboarding:list"), {"page": page})
        assert response.status_code in (200, 404)
        assert OWN_PAGE in response.content

    @pytest.mark.parametrize(
        "query",
        [
            {"p": "²"},
            {"p": "9" * 20},
            {"created_at__year": "9999"},
            {"created_at__year": "9999", "created_at__month": "12"},
            {"created_at__year": "0"},
            {"created_at__day": "40"},
        ],
    )
    def test_admin_changelist_query_attack(self, admin_user, make_onboarding, query):
        client = Client(raise_request_exception=False)
        client.force_login(admin_user)
        make_onboarding("draft")
        for name in ("onboarding", "flowservicecall", "statechange"):
            response = client.get(reverse(f"admin:connections_{name}_changelist"), query)
            assert response.status_code < 500, (name, query, response.status_code)


@pytest.mark.django_db
class TestHostileBodies:
    @pytest.mark.parametrize("url", ["/login/", "/admin/login/", "/logout/", "/onboardings/new/"])
    def test_utf16_form_post_is_a_400_even_logged_out(self, url):
        client = Client(enforce_csrf_checks=True, raise_request_exception=False)  # as a real server checks
        body = "username=alice&password=x".encode("utf-16")
        response = client.generic("POST", url, body, content_type="application/x-www-form-urlencoded; charset=utf-16")
        assert response.status_code == 400
        assert OWN_PAGE in response.content

    def test_unknown_charset_form_post_is_a_400(self, quiet, user):
        quiet.force_login(user)
        response = quiet.generic(
            "POST", reverse("onboarding:new"), b"name=x", content_type="application/x-www-form-urlencoded; charset=x-no"
        )
        assert response.status_code == 400

    def test_another_users_creation_token_on_the_first_step(self, quiet, user, other_user, make_onboarding):
        token = uuid.uuid4()
        quiet.force_login(other_user)
        quiet.post(reverse("onboarding:new"), account_post(creation_token=str(token)))
        quiet.force_login(user)
        response = quiet.post(reverse("onboarding:new"), account_post(creation_token=str(token), name="Mine"))
        assert response.status_code in (200, 302)
        mine = Onboarding.objects.get(owner=user)
        assert mine.name == "Mine"
        assert Onboarding.objects.get(owner=other_user).name == "Orders stream"


def list_urls(onboarding: Onboarding) -> list[str]:
    urls = [reverse("onboarding:list")]
    for name in ("onboarding", "flowservicecall", "statechange"):
        urls.append(reverse(f"admin:connections_{name}_changelist"))
    urls.append(reverse("admin:connections_onboarding_change", args=[onboarding.pk]))
    urls.append(reverse("admin:index"))
    return urls


QUERY_KEYS = st.sampled_from(
    [
        "page",
        "p",
        "o",
        "q",
        "e",
        "all",
        "status",
        "code",
        "sandbox",
        "owner__id__exact",
        "created_at__year",
        "created_at__month",
        "created_at__day",
        "created_at__gte",
        "operation__exact",
        "auth_type__exact",
        "status__exact",
        "_changelist_filters",
        "to_status__exact",
        "outcome__exact",
        "onboarding",
        "_to_field",
    ]
) | st.text(max_size=12)
QUERY_VALUES = st.text(max_size=25) | st.integers(min_value=-(10**25), max_value=10**25).map(str)


@pytest.mark.django_db
@hsettings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.dictionaries(QUERY_KEYS, QUERY_VALUES, max_size=4))
def test_fuzzed_query_strings_never_reach_a_500(admin_user, make_onboarding, query):
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    onboarding = Onboarding.objects.first() or make_onboarding("source", owner=admin_user)
    for url in list_urls(onboarding):
        response = client.get(url, query)
        assert response.status_code < 500, (url, query)
        if response.status_code >= 400:
            assert OWN_PAGE in response.content, (url, query)


# What still reached a 500.


@pytest.mark.django_db
class TestBodiesInAnotherCharset:
    @pytest.mark.parametrize("charset", ["utf8", "us-ascii", "ascii", "latin-1", "iso-8859-1", "cp1252", "utf-16"])
    @pytest.mark.parametrize("url", ["/login/", "/onboardings/new/"])
    def test_a_form_post_with_a_csrf_cookie_in_another_charset_is_a_400(self, user, charset, url):
        """Django reads a form only as UTF-8; its refusal must not be read again by the 400 page's CSRF check."""
        client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        client.force_login(user)
        client.get("/login/")
        token = client.cookies["csrftoken"].value
        body = f"username=alice&password=x&csrfmiddlewaretoken={token}".encode()
        response = client.generic("POST", url, body, content_type=f"{FORM}; charset={charset}")
        assert response.status_code == 400
        assert OWN_PAGE in response.content

    def test_utf8_by_its_own_name_is_still_read(self, quiet, user):
        response = quiet.generic("POST", "/login/", b"username=alice&password=alice-password", f"{FORM}; charset=UTF-8")
        assert response.status_code == 302


def wsgi_status(path: str, content_type: str, method: str = "GET") -> tuple[str, bytes]:
    """What the WSGI application that gunicorn serves answers (the test client builds its request another way)."""
    import io
    import wsgiref.util

    from onboarding.wsgi import application

    environ = {"PATH_INFO": path, "REQUEST_METHOD": method, "CONTENT_TYPE": content_type, "HTTP_HOST": "testserver"}
    environ.update({"wsgi.input": io.BytesIO(b"x=1"), "CONTENT_LENGTH": "3"})
    wsgiref.util.setup_testing_defaults(environ)
    answer: dict[str, str] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answer["status"] = status

    body = b"".join(application(environ, start_response))
    return answer["status"], body


@pytest.mark.django_db
class TestMalformedContentType:
    @pytest.mark.parametrize("content_type", ["a*=bogus''x", "text/plain; a*=bogus''x", "text/html; charset*=x''y"])
    @pytest.mark.parametrize("path", ["/login/", "/onboardings/", "/static/onboarding/app.css", "/admin/", "/nowhere"])
    @pytest.mark.parametrize("method", ["GET", "POST"])
    def test_a_content_type_that_cannot_be_parsed_is_a_400_on_every_url(self, path, content_type, method):
        status, body = wsgi_status(path, content_type, method)
        if ";" in content_type:  # parameters Django cannot decode (an RFC 2231 value in an unknown charset)
            assert status.startswith("400") and b"Content-Type" in body, status
        else:  # a strange media type, but a readable header: the page's ordinary answer
            assert int(status[:3]) < 500, status


def data_page(make_onboarding: Any, alice: Client) -> str:
    from connections.models import Dataflow

    onboarding = make_onboarding("source")
    alice.post(reverse("onboarding:dataflow_new", args=[onboarding.public_id]))
    dataflow = Dataflow.objects.get()
    return reverse("onboarding:dataflow_data", args=[onboarding.public_id, dataflow.public_id])


def nested(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


@pytest.mark.django_db
class TestHostileSamples:
    @pytest.mark.parametrize(
        ("sample", "said"),
        [
            (nested(200), b"nested too deeply"),
            ("[" * 100_000 + "]" * 100_000, b"nested too deeply"),
            ('{"a": NaN}', b"NaN"),
            ('{"a": Infinity}', b"Infinity"),
            ('{"a": "x\\u0000y"}', b"NUL"),
            ('{"a\\u0000": 1}', b"NUL"),
        ],
    )
    def test_a_hostile_sample_is_refused_next_to_the_field(self, make_onboarding, alice, sample, said):
        alice.raise_request_exception = False
        page = data_page(make_onboarding, alice)
        response = alice.post(page, {"sample": sample})
        assert response.status_code == 200
        assert said in response.content and b'id="id_sample_error"' in response.content

    def test_a_deeply_nested_sample_already_stored_does_not_break_its_page(self, make_onboarding, alice):
        import json

        from connections.models import Dataflow

        alice.raise_request_exception = False
        page = data_page(make_onboarding, alice)
        Dataflow.objects.update(sample=[json.loads(nested(900))])
        response = alice.get(page)
        assert response.status_code == 200
        assert b"nested too deeply" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("count", ["²", "٣", "１", "9" * 30])
def test_a_mapping_row_count_that_is_not_ascii_digits_is_no_rows(make_onboarding, alice, count):
    from tests.test_dataflow_services import chosen_raw_dataflow

    alice.raise_request_exception = False
    dataflow = chosen_raw_dataflow(make_onboarding)
    url = reverse("onboarding:dataflow_mapping", args=[dataflow.onboarding.public_id, dataflow.public_id])
    for action in ("add", f"remove-{count}"):
        response = alice.post(url, {"rows": count, "action": action, "source-0": "a", "destination-0": "b"})
        assert response.status_code == 200, action


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["remoteaction", "dataflow", "dataflowchange", "onboarding", "statechange"])
@pytest.mark.parametrize(
    "query",
    [
        {"created_at__gte": "garbage"},
        {"created_at__lt": "2026-13-45"},
        {"created_at__lt": "\x00"},
        {"created_at__isnull": "maybe"},
        {"created_at__year": "-1"},
        {"created_at__year": "9" * 30},
    ],
)
def test_garbage_in_a_date_filter_is_not_a_500(admin_user, make_onboarding, model, query):
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    make_onboarding("draft")
    response = client.get(reverse(f"admin:connections_{model}_changelist"), query)
    assert response.status_code in (200, 302, 400), response.status_code
    if response.status_code == 302:
        assert "e=1" in response["Location"]


@pytest.mark.django_db
def test_the_export_after_a_key_is_removed_says_what_could_not_be_read(make_onboarding, alice, settings):
    import json

    from cryptography.fernet import Fernet

    from tests.test_dataflow_services import chosen_raw_dataflow

    dataflow = chosen_raw_dataflow(make_onboarding)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    alice.raise_request_exception = False
    response = alice.get(reverse("onboarding:export", args=[dataflow.onboarding.public_id]))
    assert response.status_code == 200
    exported = json.loads(response.content)
    assert "authentication.sasKey" in exported["unreadable"]


@pytest.mark.django_db
def test_a_refused_request_logs_one_line_not_a_traceback(user, caplog):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.get("/login/")
    token = client.cookies["csrftoken"].value
    with caplog.at_level("WARNING"):
        client.generic("POST", "/login/", f"csrfmiddlewaretoken={token}".encode(), f"{FORM}; charset=latin-1")
        wsgi_status("/login/", "a*=bogus''x")
    assert caplog.records, "a refusal is logged"
    for record in caplog.records:
        assert record.exc_info is None and "\n" not in record.getMessage(), record.getMessage()
