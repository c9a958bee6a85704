"""The navigation each role sees. Only a convenience: every view checks access itself."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from sqlalchemy import select

from . import access
from .extensions import db
from .models import Team


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str


def navigation_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    if user.is_contact:
        return [NavItem("Home", url_for("customer.home"))]
    # Admins reach every team through Admin; the bar lists the teams one belongs to.
    teams = db.session.scalars(
        select(Team).where(Team.id.in_(access.team_ids_of(user))).order_by(Team.name)
    )
    items = [NavItem(team.name, url_for("workspace.team_home", team_id=team.id)) for team in teams]
    if user.is_admin:
        items.append(NavItem("Admin", url_for("admin.index")))
    return items
