"""The baseline: what bare Flask + Flask-SQLAlchemy can do on this machine, in the same run.

It renders the 50 newest of the same requests joined to their account in a plain Jinja
table, and `/hello`. Served like Onestop (gunicorn, 2 sync workers, 127.0.0.1):
`DATABASE_URL=... gunicorn --chdir bench baseline:app`.
"""

from __future__ import annotations

import os
from datetime import datetime

from flask import Flask, render_template
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Account(db.Model):
    __tablename__ = "account"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))


class Request(db.Model):
    __tablename__ = "request"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    subject: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(24))
    urgency: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime]
    account: Mapped[Account] = relationship()


def _url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = _url(os.environ["DATABASE_URL"])
    db.init_app(app)

    @app.get("/hello")
    def hello():
        return "Hello"

    @app.get("/requests")
    def newest():
        # Ids grow with creation time, so the primary key gives "newest" without a sort.
        rows = db.session.execute(
            select(Request, Account.name)
            .join(Account, Account.id == Request.account_id)
            .order_by(Request.id.desc())
            .limit(50)
        ).all()
        return render_template("requests.html", rows=rows)

    return app


app = create_app()
