"""The LMTP listener the team's mail server delivers to (`flask --app portal mail-listen`).

LMTP, not SMTP: the mail server (Postfix, Exim) keeps the message queued until we answer,
and we answer 250 for a recipient only after `intake.receive` has committed the message. A
crash before that is a 4xx or a dropped connection, and the server delivers again later;
the second delivery is recognised by its dedup key and stored once. Recipients that are not
ours are refused at RCPT (550), so the server bounces them instead of us swallowing them.

Built on aiosmtpd; each message is stored on a worker thread with its own app context, so
the event loop keeps serving other connections meanwhile. What a stored message queued (the
receipt, staff notifications, webhooks) is sent once the mail server has its answer, as the
web sends after its response (MAIL_SEND_AFTER_RECEIPT); `tick` sends whatever that misses.
"""

from __future__ import annotations

import asyncio
import signal
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from flask import Flask, g

from ..extensions import db
from ..mail import deliver_pending
from ..mail_in.message import MessageTooLarge
from ..webhooks.delivery import AFTER_RESPONSE, deliver_due
from . import intake

STORED = "250 2.0.0 Stored"
TOO_BIG = "552 5.3.4 Message too big"
TRY_LATER = "451 4.3.0 Could not store the message: try again later"
NOT_OURS = "550 5.1.1 No such mailbox here"


class Handler:
    def __init__(self, app: Flask):
        self.app = app
        self.sending: set[asyncio.Task] = set()  # held, or the loop may drop them unfinished

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        accepted = await self._in_thread(intake.accepts, address)
        if not accepted:
            return NOT_OURS
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        status, queued = await self._in_thread(
            self._store, envelope.original_content, envelope.rcpt_tos
        )
        if queued and self.app.config["MAIL_SEND_AFTER_RECEIPT"]:
            task = asyncio.create_task(self._in_thread(self._send_queued, *queued))
            self.sending.add(task)
            task.add_done_callback(self.sending.discard)
        # LMTP answers once per accepted recipient; the message is stored once for them all.
        return "\r\n".join([status] * len(envelope.rcpt_tos))

    def _store(self, raw: bytes, recipients: list[str]) -> tuple[str, tuple[bool, bool] | None]:
        """The answer for the mail server, and whether mail or webhooks were queued."""
        try:
            intake.receive(raw, source="lmtp", envelope_recipients=recipients)
        except MessageTooLarge:
            return TOO_BIG, None
        except Exception:  # the database is away: the mail server keeps it and retries
            db.session.rollback()
            self.app.logger.exception("LMTP: could not store a message")
            return TRY_LATER, None
        queued = (bool(g.get("mail_queued")), bool(g.get("webhooks_queued")))
        return STORED, queued if any(queued) else None

    def _send_queued(self, mail: bool, webhooks: bool) -> None:
        try:
            if mail:
                deliver_pending()
            if webhooks and self.app.config["WEBHOOKS_AFTER_RESPONSE"]:
                deliver_due(AFTER_RESPONSE, healthy_only=True)
        except Exception:  # stays queued: tick sends it
            db.session.rollback()
            self.app.logger.exception("LMTP: could not send what a message queued")

    async def _in_thread(self, function, *args):
        def run():
            # Receipts carry links: built as for a request at the site's root, as `tick`
            # does (BASE_URL is put in front).
            with self.app.test_request_context("/"):
                try:
                    return function(*args)
                finally:
                    db.session.remove()

        return await asyncio.get_running_loop().run_in_executor(None, run)


class LMTPController(Controller):
    """aiosmtpd's threaded controller, speaking LMTP."""

    def factory(self):
        return LMTP(self.handler, **self.SMTP_kwargs)


def controller(app: Flask, host: str | None = None, port: int | None = None) -> LMTPController:
    config = app.config
    return LMTPController(
        Handler(app),
        hostname=host or config["MAIL_LISTEN_HOST"],
        port=port or config["MAIL_LISTEN_PORT"],
        # aiosmtpd refuses a bigger message itself (552) before it is all in memory.
        data_size_limit=config["MAIL_MAX_BYTES"],
        ident="Onestop LMTP",
    )


def serve(app: Flask, host: str | None = None, port: int | None = None) -> None:
    """Run until interrupted (Ctrl-C) or told to stop (SIGTERM)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    server = controller(app, host, port)
    server.start()
    app.logger.warning("Onestop LMTP listener on %s:%s", server.hostname, server.port)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
