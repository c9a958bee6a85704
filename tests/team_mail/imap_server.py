"""A real IMAP server for the fetcher's tests: Debian's Dovecot, started on a loopback port
with its own configuration, a passwd file, a self-signed certificate and a maildir, all in
a temporary folder, and stopped after the test."""

from __future__ import annotations

import imaplib
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

DOVECOT = "/usr/sbin/dovecot"
USER = "support@support.example"
PASSWORD = "imap-test-password"

_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
instance_name = onestop-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
auth_mechanisms = plain
# The mail processes run as Dovecot's own user (Dovecot refuses root for mail).
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {starttls_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"""


@dataclass
class ImapServer:
    root: Path
    port: int  # implicit TLS
    starttls_port: int
    cafile: str

    def client(self) -> imaplib.IMAP4_SSL:
        context = ssl.create_default_context(cafile=self.cafile)
        imap = imaplib.IMAP4_SSL("127.0.0.1", self.port, ssl_context=context, timeout=10)
        imap.login(USER, PASSWORD)
        imap.select("INBOX")
        return imap

    def append(self, *messages: bytes) -> None:
        """Put messages in the mailbox the way a mail client or a delivery would (APPEND)."""
        imap = self.client()
        try:
            for raw in messages:
                status, _ = imap.append("INBOX", None, None, raw)
                assert status == "OK"
        finally:
            imap.logout()

    def flags(self) -> list[set[str]]:
        """Each message's flags, in mailbox order."""
        imap = self.client()
        try:
            _, data = imap.fetch("1:*", "(FLAGS)")
        finally:
            imap.logout()
        found = []
        for line in data:
            if line:
                inside = line.decode().split("FLAGS (", 1)[1].split(")", 1)[0]
                found.append(set(inside.split()) - {"\\Recent"})
        return found

    def config(self) -> dict:
        """The app settings that point the fetcher here."""
        return {
            "MAIL_IMAP_HOST": "127.0.0.1",
            "MAIL_IMAP_PORT": self.port,
            "MAIL_IMAP_SECURITY": "tls",
            "MAIL_IMAP_USERNAME": USER,
            "MAIL_IMAP_PASSWORD": PASSWORD,
            "MAIL_IMAP_FOLDER": "INBOX",
            "MAIL_IMAP_CAFILE": self.cafile,
        }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _missing(message: str):
    if os.environ.get("CI"):
        pytest.fail(message)  # under CI a missing server is a failure, never a skip
    pytest.skip(message)


def start() -> tuple[ImapServer, subprocess.Popen]:
    if not os.path.exists(DOVECOT) or not os.path.exists("/usr/bin/openssl"):
        _missing("Dovecot or openssl is missing: run `make mail-deps` (as root).")
    if os.geteuid() != 0:
        _missing("Dovecot's test server needs root here (it switches to its own user).")
    # Not under pytest's tmp_path: Dovecot's user must be able to reach the maildir.
    root = Path(tempfile.mkdtemp(prefix="onestop-imap-"))
    root.chmod(0o755)
    (root / "mail").mkdir()
    shutil.chown(root / "mail", "dovecot", "dovecot")
    subprocess.run(  # noqa: S603 (Debian's openssl, our arguments)
        ["/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem"),
         "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    server = ImapServer(root, _free_port(), _free_port(), str(root / "cert.pem"))
    conf = root / "dovecot.conf"
    conf.write_text(_CONFIG.format(root=root, port=server.port, starttls_port=server.starttls_port))
    process = subprocess.Popen(  # noqa: S603 (Debian's dovecot, our configuration)
        [DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=1):
                return server, process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    process.kill()
    output = process.communicate(timeout=10)[0].decode(errors="replace")
    log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
    raise RuntimeError(f"Dovecot did not start:\n{output}\n{log}")


def stop(server: ImapServer, process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    shutil.rmtree(server.root, ignore_errors=True)
