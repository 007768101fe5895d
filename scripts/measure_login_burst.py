"""Fire a burst of simultaneous wrong log-ins at a running app; count how many reached the password check.

    make serve   # with CACHE_URL=redis://..., two gunicorn workers
    .venv/bin/python scripts/measure_login_burst.py --url http://127.0.0.1:8000 --burst 40

A refused attempt answers "Too many failed log-ins" without checking the password; one that was
checked answers "Please enter a correct username". The throttle reserves each attempt atomically
in the shared cache before the check, so at most LOGIN_THROTTLE_LIMIT of the burst may be checked
(the design allows a request or two more per process; this measures it). Standard library only.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid

CHECKED = "Please enter a correct username"
REFUSED = "Too many failed log-ins"


def csrf(url: str) -> tuple[str, str]:
    """A CSRF cookie and the form's token, from one GET of the login page."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{url}/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    cookie = next((c.value for c in jar if c.name == "csrftoken"), None)
    if not token or not cookie:
        raise SystemExit("The login page gave no CSRF token; is the app running at --url?")
    return cookie, token.group(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--burst", type=int, default=40)
    parser.add_argument("--username", default=f"burst-{uuid.uuid4().hex[:8]}", help="a fresh name by default")
    args = parser.parse_args()
    url = args.url.rstrip("/")
    cookie, token = csrf(url)
    body = urllib.parse.urlencode(
        {"username": args.username, "password": "wrong-" + uuid.uuid4().hex, "csrfmiddlewaretoken": token}
    ).encode()
    answers: list[str] = []
    lock, start = threading.Lock(), threading.Barrier(args.burst)

    def log_in() -> None:
        request = urllib.request.Request(
            f"{url}/login/", data=body, headers={"Cookie": f"csrftoken={cookie}", "Referer": f"{url}/login/"}
        )
        start.wait()  # all threads send together
        try:
            text = urllib.request.urlopen(request, timeout=120).read().decode()
        except urllib.error.HTTPError as error:  # a refused attempt is a 429, its page says why
            text = error.read().decode()
        except OSError as error:
            text = f"error: {error}"
        with lock:
            answers.append("checked" if CHECKED in text else "refused" if REFUSED in text else "other")

    threads = [threading.Thread(target=log_in) for _ in range(args.burst)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counts = {kind: answers.count(kind) for kind in ("checked", "refused", "other")}
    print(
        f"burst of {args.burst} wrong log-ins for {args.username!r}: {counts['checked']} reached the password "
        f"check, {counts['refused']} were refused before it, {counts['other']} other answers"
    )
    return 0 if counts["other"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
