"""The navigation each role sees. Only a convenience: every view checks access itself."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from . import access


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    # Paths (besides `url` itself) under which this item is the current page.
    under: tuple[str, ...] = ()

    def is_current(self, path: str) -> bool:
        """Prefixes end in "/": "/teams/1/" covers "/teams/1" and below, never "/teams/10"."""
        return path == self.url or any(
            path == prefix.rstrip("/") or path.startswith(prefix) for prefix in self.under
        )


def navigation_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    if user.is_contact:
        return [
            NavItem(
                "Your requests",
                url_for("customer.home"),
                (url_for("customer.new_request").rsplit("/", 1)[0] + "/",),
            ),
            NavItem("Your team", url_for("customer.team")),
            NavItem("Reference group", url_for("reference.index"), ("/portal/reference-group/",)),
        ]
    # Admins reach every team through Admin; the bar lists the teams one belongs to.
    items = []
    for team in access.my_teams(user):
        home = url_for("workspace.team_home", team_id=team.id)
        items.append(NavItem(team.name, url_for("inbox.index", team_id=team.id), (home + "/",)))
    # Handoffs can come from any team, so they have their own place.
    handoffs = url_for("handoffs.index")
    items.append(NavItem("Handoffs", handoffs, (handoffs,)))
    library = url_for("procedures.library")
    items.append(NavItem("Library", library, (library + "/",)))
    if user.is_admin:
        url = url_for("admin.index")
        items.append(NavItem("Admin", url, (url,)))  # "/admin/" and below
        insights = url_for("insights.overview")
        items.append(NavItem("Insights", insights, (insights + "/",)))
    elif access.policy_of("insights.overview").check(user, {}):  # coaches compare teams
        items.append(NavItem("Compare teams", url_for("insights.overview")))
    return items


def home_endpoint(user) -> tuple[str, dict]:
    """Where each role lands after signing in."""
    if not user.is_authenticated:
        return "main.landing", {}
    if user.is_contact:
        return "customer.home", {}
    if user.is_admin:
        return "admin.index", {}
    teams = access.team_ids_of(user)
    if teams:
        return "inbox.index", {"team_id": teams[0]}
    return "workspace.index", {}
