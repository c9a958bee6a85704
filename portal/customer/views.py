from flask_login import current_user

from .. import access
from ..access import CONTACT, policy
from ..htmx import render_page
from ..workspace.services import team_people
from . import bp


@bp.route("/")
@policy(CONTACT)
def home():
    contacts = access.contact_accounts(current_user)
    teams = {contact.account.team_id: contact.account.team for contact in contacts}
    people = {team_id: team_people(team) for team_id, team in teams.items()}
    return render_page("customer/home.html", contacts=contacts, people=people)
