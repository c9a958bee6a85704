"""A real HTTP receiver on a loopback port, for webhook deliveries: it records every post
(headers and body) and answers with the statuses a test scripts, then 204."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal.extensions import db
from portal.webhooks import services


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


@dataclass
class Receiver:
    url: str
    answers: list = field(default_factory=list)  # statuses (or (status, headers)) to give first
    received: list[Received] = field(default_factory=list)

    def answer(self):
        return self.answers.pop(0) if self.answers else 204


@pytest.fixture
def receiver():
    box = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            box.received.append(Received(self.path, dict(self.headers), body))
            status = box.answer()
            extra = {}
            if isinstance(status, tuple):
                status, extra = status
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            payload = b"receiver says no" if status >= 400 else b""
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    box.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/onestop"
    yield box
    server.shutdown()
    server.server_close()


@pytest.fixture
def endpoint_of(world):
    """An endpoint of team X (or another team) for the given events, with its secret."""

    def make(url, events=("request.created",), team=None):
        endpoint, secret = services.create(
            world.coach_x, team or world.team_x, url, list(events), "CRM"
        )
        db.session.commit()
        return endpoint, secret

    return make
