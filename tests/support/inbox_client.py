"""A staff member's browser on the report inbox, as plain HTTP (requests): it follows the
OpenID Connect redirects one by one through the stand-in provider, and keeps the cookies.

The bot's public URL (IAR_PUBLIC_URL, where the provider sends the browser back) is not
where the test's server listens, so the redirect to it is followed to the local server.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import requests


class InboxClient:
    """One staff member's session on the inbox at `url` (the local Rasa server)."""

    def __init__(self, url: str, public_url: str) -> None:
        self.url, self.public_url = url, public_url
        self.http = requests.Session()
        self.set_cookies: list[str] = []  # every Set-Cookie header seen, for the tests of its flags

    def _keep(self, response: requests.Response) -> None:
        for cookie in response.cookies:  # kept without their Secure flag: this test talks plain HTTP
            self.http.cookies.set(cookie.name, cookie.value, path=cookie.path)
        self.set_cookies += response.raw.headers.getlist("Set-Cookie")

    def request(self, method: str, path_or_url: str, **kwargs: object) -> requests.Response:
        """One request, following redirects by hand (to the provider and back) until a page."""
        url = path_or_url if path_or_url.startswith(("http://", "https://")) else self.url + path_or_url
        for _ in range(8):
            url = url.replace(self.public_url, self.url)
            response = self.http.request(method, url, allow_redirects=False, timeout=30, **kwargs)  # type: ignore[arg-type]
            self._keep(response)
            if response.status_code not in (301, 302, 303, 307):
                return response
            url, method, kwargs = urljoin(url, response.headers["Location"]), "GET", {}
        raise AssertionError("too many redirects")

    def get(self, path: str) -> requests.Response:
        return self.request("GET", path)

    def post(self, path: str, data: dict[str, str]) -> requests.Response:
        return self.request("POST", path, data=data)


def csrf_of(page: str) -> str:
    """The CSRF token in a page's forms."""
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no form with a CSRF token on the page"
    return found.group(1)
