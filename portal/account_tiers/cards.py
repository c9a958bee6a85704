"""What the account page's tier and economics cards show, and their forms: built here for
the workspace's account page and for this package's posts, which answer with that page."""

from __future__ import annotations

from ..models import Account
from ..reference import tiers
from . import services
from .forms import EconomicsForm, TierDecisionForm


def context(
    account: Account,
    *,
    manage: bool,
    economics_form: EconomicsForm | None = None,
    tier_form: TierDecisionForm | None = None,
) -> dict:
    suggestion = services.suggestion(account)
    if manage:
        economics_form = economics_form or EconomicsForm(formdata=None, obj=account)
        if tier_form is None:
            chosen = suggestion.tier_id if suggestion else account.tier_id
            tier_form = TierDecisionForm(formdata=None, tier=chosen)
        tier_form.tier.choices = [(t.id, t.name) for t in tiers()]
    return {
        "suggestion": suggestion,
        "tier_history": services.history(account),
        "economics_form": economics_form if manage else None,
        "tier_form": tier_form if manage else None,
    }
