"""Functions and tiers: the two inline-edited tables."""

from __future__ import annotations

from ..models import Function, Tier
from . import bp, queries, services
from .forms import FunctionForm, TierForm
from .inline import Column, InlineTable

FUNCTIONS = InlineTable(
    name="function",
    plural="functions",
    label="Function",
    title="Functions",
    intro="The service functions requests are routed by. Inactive ones are not offered to "
    "customers or as new skills.",
    model=Function,
    form_class=FunctionForm,
    columns=(
        Column("name", "Name"),
        Column("customer_label", "Customer label"),
        Column("description", "Description"),
        Column("active", "Active", "flag"),
    ),
    items=queries.functions,
)

TIERS = InlineTable(
    name="tier",
    plural="tiers",
    label="Tier",
    title="Tiers",
    intro="How much each account matters; service levels are set per tier. Rank 1 matters most.",
    model=Tier,
    form_class=TierForm,
    columns=(
        Column("rank", "Rank", "number"),
        Column("name", "Name"),
        Column("description", "Description"),
    ),
    items=queries.tiers,
    create=services.create_tier,  # a rank already taken moves the tiers below it down
)

FUNCTIONS.register(bp)
TIERS.register(bp)
