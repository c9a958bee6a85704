"""A small browser for the cluster tests: cookies, real forms read from the pages, no redirects
followed (the tests look at each 303), one connection per request.

The standard library's cookie jar will not send the portal's `__Host-` cookies (Secure)
over plain HTTP, which browsers allow on 127.0.0.1; this keeps cookies itself instead. One
jar may talk to several servers (`at`): the cookie is the same wherever the person goes,
as behind a load balancer.
"""

from __future__ import annotations

import http.client
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

from tests.factories import PASSWORD


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    text: str

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    @property
    def location(self) -> str | None:
        return self.header("Location")


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    options: dict[str, list[str]] = field(default_factory=dict)  # what a select or radio offers

    def set(self, name: str, value) -> Form:
        """Replace every value of `name` (or add it), as a person typing or choosing would."""
        self.fields = [(k, v) for k, v in self.fields if k != name] + [(name, str(value))]
        return self

    def get(self, name: str) -> str | None:
        return next((v for k, v in self.fields if k == name), None)


class _Forms(HTMLParser):
    """Every form of a page with what a browser would submit untouched: text and hidden inputs,
    checked boxes and radios, each select's chosen (or first) option, textareas."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, list[str], list[str]] | None = None  # name, chosen, all
        self._textarea: list | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = Form(a.get("action") or "", (a.get("method") or "get").lower())
            self.forms.append(self._form)
        if self._form is None or a.get("disabled") is not None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                self._form.options.setdefault(name, []).append(a.get("value") or "on")
                if "checked" in a:
                    self._form.fields.append((name, a.get("value") or "on"))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self._form.fields.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self._select = (name, [], [])
        elif tag == "option" and self._select is not None:
            value = a.get("value") or ""
            self._select[2].append(value)
            if "selected" in a:
                self._select[1].append(value)
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, chosen, every = self._select
            self._form.options.setdefault(name, []).extend(every)
            for value in chosen or every[:1]:
                self._form.fields.append((name, value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            name, text = self._textarea
            # As in a browser: a line break just after <textarea> is not part of the text.
            text = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
            self._form.fields.append((name, text))
            self._textarea = None


def forms_of(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def _multipart(fields: list[tuple[str, str]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


class Browser:
    def __init__(self, base_url: str, cookies: dict[str, str] | None = None, timeout=30.0):
        parts = urlsplit(base_url)
        self.base_url = base_url
        self.host, self.port = parts.hostname, parts.port
        self.cookies = {} if cookies is None else cookies
        self.timeout = timeout

    def at(self, base_url: str) -> Browser:
        """The same person (the same cookies) addressing another server."""
        return Browser(base_url, self.cookies, self.timeout)

    def request(self, method: str, path: str, body=None, headers=None) -> Response:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            response = Response(raw.status, raw.getheaders(), raw.read().decode())
        finally:
            conn.close()
        for name, value in response.headers:
            if name.lower() == "set-cookie":
                self._keep(value)
        return response

    def _keep(self, set_cookie: str) -> None:
        pair, *attributes = (part.strip() for part in set_cookie.split(";"))
        key, _, value = pair.partition("=")
        gone = any(
            a.lower().startswith("max-age=0") or a.lower().startswith("expires=thu, 01 jan 1970")
            for a in attributes
        )
        if gone:
            self.cookies.pop(key, None)
        else:
            self.cookies[key] = value

    def get(self, path: str, headers=None) -> Response:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, fields, multipart=False, headers=None) -> Response:
        pairs = list(fields.items()) if isinstance(fields, dict) else list(fields)
        if multipart:
            body, content_type = _multipart(pairs)
        else:
            body, content_type = urlencode(pairs), "application/x-www-form-urlencoded"
        return self.request("POST", path, body, {**(headers or {}), "Content-Type": content_type})

    def form(self, page: str | Response, action: str) -> Form:
        """The form on `page` (a path to load, or a loaded page) that posts to `action`."""
        if isinstance(page, str):
            page = self.get(page)
            assert page.status == 200, f"{page.status} for the page with {action}"
        found = [f for f in forms_of(page.text) if f.action == action]
        assert found, f"no form posting to {action}: {[f.action for f in forms_of(page.text)]}"
        return found[0]

    def submit(self, form: Form, multipart=False) -> Response:
        return self.post(form.action, form.fields, multipart=multipart)

    def sign_in(self, email: str, password: str = PASSWORD) -> Browser:
        form = self.form("/sign-in", "/sign-in").set("email", email).set("password", password)
        response = self.submit(form)
        assert response.status in (302, 303), f"sign-in as {email}: {response.status}"
        return self
