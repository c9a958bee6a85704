"""The site-wide version stamp: one row, moved with every change to data all teams print
(functions, tiers, service levels, people), in the same transaction (portal/caching.py)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class SiteVersion(db.Model):
    __tablename__ = "site_version"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(default=0, server_default="0")
