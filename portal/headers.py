"""The headers every answer carries: the pipeline sets them (web.py), and the 304 gate
(revalidation.py), which answers before Flask, sends the same ones."""

from __future__ import annotations

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


# On every answer; HSTS only over TLS. A view may set its own (narrower) CSP.
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
# Signed-in answers: for this person's browser only, and not kept there either.
PRIVATE_NO_STORE = "private, no-store"


def security_headers(secure: bool) -> list[tuple[str, str]]:
    """The headers every answer carries, in order: also sent by portal/revalidation.py,
    which answers outside this pipeline."""
    return [("Content-Security-Policy", CSP), *SECURITY_HEADERS, *([HSTS] if secure else [])]
