"""Settings read from environment variables, with safe defaults for the demo.

Every setting a deployment may change is listed in README.md's configuration table.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path


class ConfigError(RuntimeError):
    """A setting is missing or unusable; raised at start-up, never mid-request."""


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path, production: bool) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigError("SECRET_KEY must be set when ONESTOP_ENV=production")
    # The demo keeps a generated key beside its database, so sessions survive a restart
    # and no key ever lives in the source tree.
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


def _mail_domain(configured: str | None, sender: str) -> str:
    """The domain of our Message-IDs: MAIL_DOMAIN, else the sender's. A Message-ID must be
    unique in the world, and its domain is what makes it ours (portal/mail_threads.py)."""
    domain = (configured or parseaddr(sender)[1].rpartition("@")[2]).strip().lower()
    if not _HOST.match(domain):
        raise ConfigError(
            f"MAIL_DOMAIN must be a host name such as support.example.com, not {domain!r} "
            "(set it, or give MAIL_SENDER an address with a domain)"
        )
    return domain


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{instance_path / 'onestop.sqlite3'}"
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load(instance_path: Path, overrides: dict | None = None) -> dict:
    """Build the Flask config mapping; `overrides` (tests) win over the environment."""
    overrides = dict(overrides or {})
    production = os.environ.get("ONESTOP_ENV", "").lower() == "production"
    limits_store = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    config = {
        "ONESTOP_ENV": "production" if production else "development",
        "SECRET_KEY": overrides.pop("SECRET_KEY", None) or _secret_key(instance_path, production),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        # No ping before every checkout (a round trip per request): a pooled connection the
        # server has closed is noticed for free at checkout (portal/__init__.py), and one
        # older than this many seconds is replaced, before a firewall or the server's idle
        # timeout can drop it without a word.
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_recycle": int(os.environ.get("DATABASE_POOL_RECYCLE", "1800")),
            # The connection returned last is lent next: psycopg prepares a statement after
            # its fifth run on one connection, so pages keep meeting their prepared
            # statements instead of spreading them over every pooled connection.
            "pool_use_lifo": True,
        },
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        # Mail: "console" prints each message to the log; "smtp" sends through MAIL_SERVER.
        "MAIL_BACKEND": os.environ.get(
            "MAIL_BACKEND", "smtp" if os.environ.get("MAIL_SERVER") else "console"
        ),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", False),
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "Onestop <onestop@localhost>"),
        # The domain of our Message-IDs; None: the sender's (worked out below).
        "MAIL_DOMAIN": os.environ.get("MAIL_DOMAIN") or None,
        # Mail in (portal/team_mail): a bigger message is refused (LMTP 552; left in the
        # IMAP mailbox), one sender's mail beyond the hourly number is held for a member.
        "MAIL_MAX_BYTES": int(os.environ.get("MAIL_MAX_BYTES", str(25 * 1024 * 1024))),
        "MAIL_FLOOD_PER_HOUR": int(os.environ.get("MAIL_FLOOD_PER_HOUR", "20")),
        # The authserv-id your mail server writes in Authentication-Results. Set, a From is
        # believed only with dmarc=pass there (else only a signed reply address lands);
        # unset, every From is believed, as most help desks do.
        "MAIL_AUTHSERV_ID": os.environ.get("MAIL_AUTHSERV_ID") or None,
        # `flask mail-listen`: where the LMTP listener the mail server delivers to listens.
        "MAIL_LISTEN_HOST": os.environ.get("MAIL_LISTEN_HOST", "127.0.0.1"),
        "MAIL_LISTEN_PORT": int(os.environ.get("MAIL_LISTEN_PORT", "8024")),
        # `flask mail-fetch` (and tick): a hosted mailbox read over IMAP; off without a host.
        "MAIL_IMAP_HOST": os.environ.get("MAIL_IMAP_HOST") or None,
        "MAIL_IMAP_PORT": int(os.environ.get("MAIL_IMAP_PORT", "993")),
        # "tls" (implicit, port 993) or "starttls" (port 143); plain text is never used.
        "MAIL_IMAP_SECURITY": os.environ.get("MAIL_IMAP_SECURITY", "tls"),
        "MAIL_IMAP_USERNAME": os.environ.get("MAIL_IMAP_USERNAME") or None,
        "MAIL_IMAP_PASSWORD": os.environ.get("MAIL_IMAP_PASSWORD") or None,
        "MAIL_IMAP_FOLDER": os.environ.get("MAIL_IMAP_FOLDER", "INBOX"),
        # A CA bundle to trust for the IMAP server (a private CA); None: the system's.
        "MAIL_IMAP_CAFILE": os.environ.get("MAIL_IMAP_CAFILE") or None,
        "RATELIMIT_STORAGE_URI": limits_store,
        # While the shared store (Redis) cannot be reached, each process keeps counting the
        # same limits in its own memory and goes back to Redis once it answers (Flask-Limiter
        # re-checks after 1, 2, 4 … 32 s): sign-in stays limited and the app keeps serving.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": _flag("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True),
        # A Redis that hangs instead of refusing must not hang every limited request with it.
        "RATELIMIT_STORAGE_OPTIONS": (
            {"socket_connect_timeout": 1, "socket_timeout": 1}
            if limits_store.startswith("redis")
            else {}
        ),
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Sessions: __Host- cookies are Secure, host-only and path=/; browsers accept them on
        # 127.0.0.1 and localhost, so the demo works over plain HTTP there.
        "SESSION_COOKIE_NAME": "__Host-onestop",
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", "120")),
        "SESSION_ABSOLUTE_HOURS": int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12")),
        "PERMANENT_SESSION_LIFETIME": timedelta(
            minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "120"))
        ),
        # The CSRF token lives as long as the session; the session has its own lifetimes.
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(10 * 1024 * 1024))),
        "REOPEN_DAYS": int(os.environ.get("REOPEN_DAYS", "14")),
        "QUIET_DAYS": int(os.environ.get("QUIET_DAYS", "30")),
        # Per contact and per action (raising, replying, chasing, rating…): generous for
        # people, a wall for scripts.
        "SUBMISSION_RATE_LIMIT": os.environ.get("SUBMISSION_RATE_LIMIT", "60 per hour;300 per day"),
        # Each API token's requests, reads and writes together.
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "300 per minute"),
        # Calls refused for want of a usable token, per address.
        "API_FAILED_AUTH_LIMIT": os.environ.get("API_FAILED_AUTH_LIMIT", "30 per minute"),
        # Webhooks: plain http and loopback targets only where this is set (tests, the demo);
        # each delivery waits this many seconds for the receiver; an endpoint failing this
        # long without a success is switched off and its team's coaches told.
        "WEBHOOK_ALLOW_LOOPBACK": _flag("WEBHOOK_ALLOW_LOOPBACK", False),
        "WEBHOOK_TIMEOUT": float(os.environ.get("WEBHOOK_TIMEOUT", "10")),
        "WEBHOOK_DISABLE_AFTER_HOURS": float(os.environ.get("WEBHOOK_DISABLE_AFTER_HOURS", "24")),
        # Send new events as the response that made them closes (tick sends the rest).
        "WEBHOOKS_AFTER_RESPONSE": _flag("WEBHOOKS_AFTER_RESPONSE", True),
        # `flask mail-listen` sends what a stored message queued (its receipt, notifications)
        # once the mail server has its answer, rather than at the next tick.
        "MAIL_SEND_AFTER_RECEIPT": _flag("MAIL_SEND_AFTER_RECEIPT", True),
        # A contact asking again about the same request within this many minutes is told the
        # team has it; nothing is written, so the team's inbox caches stay warm.
        "CHASE_QUIET_MINUTES": int(os.environ.get("CHASE_QUIET_MINUTES", "60")),
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER") or str(instance_path / "uploads"),
        "ATTACHMENT_MAX_BYTES": int(os.environ.get("ATTACHMENT_MAX_BYTES", str(8 * 1024 * 1024))),
        "INVITATION_DAYS": int(os.environ.get("INVITATION_DAYS", "7")),
        "PASSWORD_RESET_MINUTES": int(os.environ.get("PASSWORD_RESET_MINUTES", "60")),
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        # How many reverse proxies stand in front of the app (0: none). Behind one, its
        # X-Forwarded-For/-Proto are believed, so rate limits count the client's address (not
        # the proxy's, which would lock everyone out together) and HSTS is sent over TLS.
        # Never set it higher than the real number of proxies: the header could be forged.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
    }
    config.update(overrides)
    # After the overrides, so the default follows the sender a test or deployment chose.
    config["MAIL_DOMAIN"] = _mail_domain(config["MAIL_DOMAIN"], config["MAIL_SENDER"])
    return config
