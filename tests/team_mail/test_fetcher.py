"""The IMAP fetcher against a real Dovecot on loopback (tests/team_mail/imap_server.py):
messages put in the mailbox with IMAP APPEND are taken once, marked only after they are
stored, and the mailbox's TLS certificate and password are checked."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import InboundMail, Request
from portal.team_mail import fetcher, intake
from tests.team_mail import imap_server
from tests.team_mail.test_intake import mail, mailboxes  # noqa: F401 (a fixture)


@pytest.fixture
def imap(app, mailboxes):  # noqa: F811
    server, process = imap_server.start()
    saved = {key: app.config[key] for key in server.config()}
    app.config.update(server.config())
    try:
        yield server
    finally:
        app.config.update(saved)
        imap_server.stop(server, process)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def test_mail_appended_to_the_mailbox_is_taken_once_and_marked(imap, mailboxes):  # noqa: F811
    imap.append(
        mail(mailboxes.contact_a.email, subject="Printer jams"),
        mail("stranger@elsewhere.example", subject="Who are you?"),
    )

    first = fetcher.fetch()
    again = fetcher.fetch()

    assert (first.taken, again.taken, again.duplicates) == (2, 0, 0)
    outcomes = db.session.execute(sa.select(InboundMail.source, InboundMail.outcome)).all()
    assert sorted(outcomes) == [("imap", "raised"), ("imap", "unrecognised")]
    assert db.session.scalar(sa.select(Request.subject)) == "Printer jams"
    assert imap.flags() == [{"OnestopTaken", "\\Seen"}, {"OnestopTaken", "\\Seen"}]


def test_a_crash_after_storing_and_before_marking_stores_nothing_twice(
    imap,
    mailboxes,  # noqa: F811
    monkeypatch,
):
    imap.append(mail(mailboxes.contact_a.email))

    def crash(*args):
        raise OSError("connection lost")

    with monkeypatch.context() as patched:
        patched.setattr(fetcher, "_mark", crash)
        with pytest.raises(OSError):
            fetcher.fetch()
    assert imap.flags() == [set()]  # stored, but not marked

    retried = fetcher.fetch()

    assert (retried.taken, retried.duplicates) == (0, 1)
    assert count(InboundMail) == 1 and count(Request) == 1
    assert imap.flags() == [{"OnestopTaken", "\\Seen"}]


def test_when_the_database_is_away_the_message_stays_for_the_next_run(
    imap,
    mailboxes,  # noqa: F811
    monkeypatch,
):
    imap.append(mail(mailboxes.contact_a.email))

    def down(*args, **kwargs):
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is away"))

    with monkeypatch.context() as patched:
        patched.setattr(intake, "receive", down)
        assert fetcher.fetch().failed == 1
    assert imap.flags() == [set()]

    assert fetcher.fetch().taken == 1


def test_a_message_over_the_limit_is_left_unread_and_marked_refused(
    app,
    imap,
    mailboxes,  # noqa: F811
    monkeypatch,
):
    monkeypatch.setitem(app.config, "MAIL_MAX_BYTES", 2000)
    imap.append(mail(mailboxes.contact_a.email, body="x" * 5000), mail(mailboxes.contact_a.email))

    fetched = fetcher.fetch()

    assert (fetched.taken, fetched.refused) == (1, 1)
    assert imap.flags() == [{"OnestopRefused"}, {"OnestopTaken", "\\Seen"}]
    assert fetcher.fetch().refused == 0  # not tried again


def test_starttls_works_and_a_bad_password_or_certificate_is_an_error(app, imap):
    app.config.update(MAIL_IMAP_SECURITY="starttls", MAIL_IMAP_PORT=imap.starttls_port)
    assert fetcher.fetch().taken == 0

    app.config.update(MAIL_IMAP_PASSWORD="wrong")
    with pytest.raises(fetcher.FetchError):
        fetcher.fetch()

    app.config.update(imap.config(), MAIL_IMAP_CAFILE=None)  # the self-signed one: untrusted
    with pytest.raises(fetcher.FetchError, match="CERTIFICATE_VERIFY_FAILED"):
        fetcher.fetch()


def test_tick_takes_the_mail_and_says_so(app, imap, mailboxes):  # noqa: F811
    imap.append(mail(mailboxes.contact_a.email))

    result = app.test_cli_runner().invoke(args=["tick"])

    assert result.exit_code == 0, result.output
    assert "mail in: 1 taken, 0 already stored, 0 too large" in result.output
    assert count(Request) == 1


def test_a_folder_that_cannot_keep_keywords_is_named_not_fetched_for_ever():
    """Microsoft 365's IMAP keeps no keywords of a client's own: searching by one would take
    the same oldest messages at every run, so the fetcher refuses that folder up front."""
    microsoft_365 = [b"(\\Seen \\Answered \\Flagged \\Deleted \\Draft $MDNSent)"]
    dovecot = [b"(\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)"]

    assert not fetcher.keeps_keywords(microsoft_365)
    assert fetcher.keeps_keywords(dovecot)
    # No PERMANENTFLAGS at all: every flag is kept (RFC 3501, 7.1).
    assert fetcher.keeps_keywords([None]) and fetcher.keeps_keywords(None)
