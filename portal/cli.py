"""Command-line tasks: `flask --app portal seed-demo`, `tick`, `create-admin`."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from .extensions import db


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--force", is_flag=True, help="Seed even if people already exist.")
    def seed_demo(force: bool) -> None:
        """Build a realistic demo organisation and print sign-in details."""
        from .models import User
        from .seeding.demo import DEMO_PASSWORD, seed

        if db.session.scalar(select(User.id).limit(1)) is not None and not force:
            click.echo("The database already has people; not seeding again.")
        else:
            seed()
            db.session.commit()
            click.echo("Demo organisation created.")
        from .seeding.demo import sign_in_details

        click.echo(
            f"\nSign in at the portal with any of these (password for all: {DEMO_PASSWORD}):"
        )
        details = sign_in_details()
        for role, email, note in details:
            click.echo(f"  {role:<8} {email:<44} {note}")
        contact = next((email for role, email, _ in details if role == "contact"), None)
        if contact:
            click.echo(
                "\nMail a team as that contact (make demo takes mail by LMTP):\n"
                f'  .venv/bin/flask mail-try --sender {contact} --subject "Pallet arrived damaged"'
            )

    @app.cli.command("seed-scale")
    @click.option("--requests", default=200_000, show_default=True, help="How many requests.")
    @click.option("--seed", default=1, show_default=True, help="Same seed, same data.")
    def seed_scale(requests: int, seed: int) -> None:
        """Fill an empty, migrated database with a large organisation for the benchmark."""
        from .seeding.scale import seed_scale as run

        try:
            scale = run(requests, seed, log=click.echo)
        except RuntimeError as error:
            raise click.ClickException(str(error)) from error
        click.echo(", ".join(f"{n:,} {table}" for table, n in scale.counts.items()))

    @app.cli.command("tick")
    def tick() -> None:
        """Periodic work with no daemon (run from cron every minute): take mail from the
        hosted mailbox (if one is set), record service-level breaches, close due review
        rounds and send their reminders, send scheduled surveys, tell owners of requests at
        risk, mail staff their notifications (at once or a digest), then deliver queued mail
        and webhooks; forget the API's kept answers once their retries are long past, and
        webhook deliveries past their log's span."""
        from .api.idempotency import forget_old_answers
        from .insights.services import run_survey_schedules
        from .mail import deliver_pending
        from .notify import mail_notifications
        from .procedures.review_rounds import tick as tick_reviews
        from .requests.clock import record_breaches, tell_at_risk
        from .team_mail import fetcher
        from .webhooks.delivery import deliver_due, forget_old_deliveries

        # Reminders and surveys carry links: build them as for a request at the site's root
        # (BASE_URL is put in front), since cron gives no request to build them from.
        with app.test_request_context("/"):
            mail_in = "not configured"
            if fetcher.configured():
                try:
                    mail_in = str(fetcher.fetch())
                except fetcher.FetchError as error:  # the rest of tick still runs
                    mail_in = f"the mailbox could not be read: {error}"
            breaches = record_breaches()
            db.session.commit()
            at_risk = tell_at_risk()
            db.session.commit()
            notified = mail_notifications()
            db.session.commit()
            rounds = tick_reviews()
            surveys = run_survey_schedules()
            db.session.commit()
            sent = deliver_pending()
            hooks = deliver_due()
            forget_old_answers()
            forget_old_deliveries()
            db.session.commit()
        click.echo(
            f"mail in: {mail_in}; breaches recorded: {breaches}; {rounds}; "
            f"surveys sent: {surveys}; at-risk notices: {at_risk}; notification mails: {notified}; "
            f"mail sent: {sent}; webhooks delivered: {hooks}"
        )

    @app.cli.command("backfill-first-responses")
    def backfill_first_responses() -> None:
        """Record business minutes to the first reply for requests answered before Onestop
        kept them (needed once after upgrading; the insights median counts them)."""
        from .insights.services import backfill_first_response_minutes

        filled = backfill_first_response_minutes()
        db.session.commit()
        click.echo(f"requests filled: {filled}")

    @app.cli.command("rerender-entries")
    def rerender_entries() -> None:
        """Render every entry's stored HTML again: needed after the markdown or sanitiser
        rules change, or nh3 / markdown-it-py is upgraded (portal/richtext.py)."""
        from .richtext import fill_entry_html

        written = fill_entry_html(db.session.connection(), every=True)
        db.session.commit()
        click.echo(f"entries rendered: {written}")

    @app.cli.command("send-mail")
    def send_mail() -> None:
        """Deliver queued mail now (retries back off; a message is never sent twice)."""
        from .mail import deliver_pending

        click.echo(f"mail sent: {deliver_pending()}")

    @app.cli.command("serve-demo")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
    def serve_demo(host: str, port: int) -> None:
        """Serve the portal with Werkzeug's server for `make demo` (never in production:
        `make serve` runs gunicorn). Says "Serving" only once the port is bound, so the
        address it prints answers."""
        from werkzeug.serving import make_server

        # A port in use ends the command here, with Werkzeug's own explanation.
        server = make_server(host, port, app, threaded=True)
        click.echo(f"Serving on http://{host}:{port} (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()

    @app.cli.command("mail-listen")
    @click.option("--host", default=None, help="Default: MAIL_LISTEN_HOST (127.0.0.1).")
    @click.option("--port", default=None, type=int, help="Default: MAIL_LISTEN_PORT (8024).")
    def mail_listen(host: str | None, port: int | None) -> None:
        """Take mail for the teams' addresses by LMTP from the mail server (Postfix, Exim)."""
        from .team_mail.listener import serve

        host = host or app.config["MAIL_LISTEN_HOST"]
        port = port or app.config["MAIL_LISTEN_PORT"]
        click.echo(f"Listening for LMTP on {host}:{port}; Ctrl-C to stop.")
        serve(app, host, port)

    @app.cli.command("mail-try")
    @click.option("--sender", required=True, help="The From address, e.g. a contact's.")
    @click.option("--to", default=None, help="Default: the first team's mail address.")
    @click.option("--subject", default="A question", show_default=True)
    @click.option("--body", default="Hello, could you help me with this?", show_default=True)
    def mail_try(sender: str, to: str | None, subject: str, body: str) -> None:
        """Send one mail to the running LMTP listener (flask mail-listen), as a mail server
        would: a way to try mail in by hand."""
        import smtplib
        from email.message import EmailMessage
        from email.utils import make_msgid

        from .models import Team

        to = to or db.session.scalar(
            select(Team.mail_address).where(Team.mail_address.is_not(None)).order_by(Team.id)
        )
        if not to:
            raise click.ClickException("No team has a mail address: give one with --to.")
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = sender, to, subject
        message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
        message.set_content(body)
        host, port = app.config["MAIL_LISTEN_HOST"], app.config["MAIL_LISTEN_PORT"]
        try:
            with smtplib.LMTP(host, port) as client:
                client.sendmail(sender, [to], message.as_bytes())
        except (OSError, smtplib.SMTPException) as error:
            raise click.ClickException(f"LMTP {host}:{port}: {error}") from error
        click.echo(f"Delivered to {to}: see the team's Mail page, or the contact's requests.")

    @app.cli.command("mail-fetch")
    def mail_fetch() -> None:
        """Take new mail from the hosted mailbox (MAIL_IMAP_HOST) over IMAP with TLS."""
        from .team_mail import fetcher

        if not fetcher.configured():
            raise click.ClickException("Set MAIL_IMAP_HOST (and its username and password).")
        with app.test_request_context("/"):  # receipts carry links, as in tick
            try:
                fetched = fetcher.fetch()
            except fetcher.FetchError as error:
                raise click.ClickException(f"The mailbox could not be read: {error}") from error
        click.echo(f"mail in: {fetched}")

    @app.cli.command("create-admin")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.password_option()
    def create_admin(email: str, name: str, password: str) -> None:
        """Create the first admin of a fresh production database."""
        from .auth.passwords import hash_password, password_problem
        from .models import STAFF, User

        problem = password_problem(password, email=email, name=name)
        if problem:
            raise click.ClickException(problem)
        db.session.add(
            User(
                email=email,
                name=name,
                kind=STAFF,
                is_admin=True,
                password_hash=hash_password(password),
            )
        )
        db.session.commit()
        click.echo(f"Admin {email} created.")
