"""What the API reads and writes, as pydantic models: the OpenAPI document is generated from
these, and every body and query is validated by them before a view runs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from ..models import STATUSES, URGENCIES
from ..web import MAX_ID

Status = Literal[STATUSES]  # type: ignore[valid-type]
Urgency = Literal[tuple(URGENCIES)]  # type: ignore[valid-type]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# In a JSON body a number must be a number: `true` is not 1 (a query value is text anyway).
BodyId = Annotated[int, Field(ge=1, le=MAX_ID, strict=True)]


def _text(value: str) -> str:
    """As the web forms clean text (`forms.clean_text`), and refuse what is not text at all:
    JSON can carry lone surrogates, which no database can store."""
    value = value.replace("\x00", "").strip()
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


def Text(max_length: int, min_length: int = 1):
    return Annotated[
        str,
        StringConstraints(max_length=max_length),
        AfterValidator(_text),
        AfterValidator(lambda v: _long_enough(v, min_length)),
    ]


def _long_enough(value: str, min_length: int) -> str:
    if len(value) < min_length:
        raise ValueError("must not be empty" if min_length == 1 else f"too short: {min_length}+")
    return value


class _In(BaseModel):
    # A field we do not know is a mistake worth hearing about (`status` on a raise, say).
    model_config = ConfigDict(extra="forbid")


class Person(BaseModel):
    id: int
    name: str


class AccountRef(BaseModel):
    id: int
    name: str


class RequestOut(BaseModel):
    id: int
    reference: str = Field(examples=["R-1042"])
    subject: str
    description: str
    status: Status
    customer_status: str = Field(description="The status in the customer's words.")
    urgency: Urgency
    channel: str
    account: AccountRef
    requester: Person
    assignee: Person | None = Field(description="The team member who owns it.")
    function: str | None
    created_at: datetime
    last_activity_at: datetime
    resolved_at: datetime | None
    first_response_due_at: datetime | None = Field(
        description="When the first answer is due by the service level (team tokens only)."
    )
    resolution_due_at: datetime | None = Field(description="Team tokens only.")
    version: int = Field(description="Also the ETag; send it as If-Match to change it.")


class RequestPage(BaseModel):
    items: list[RequestOut]
    next: str | None = Field(description="The next page's URL, or null on the last page.")


class EntryOut(BaseModel):
    id: int
    kind: Literal["reply", "note", "event"]
    public: bool
    author: Person | None
    body: str
    event: str | None
    created_at: datetime


class EntryPage(BaseModel):
    items: list[EntryOut]
    next: str | None


class RequestQuery(_In):
    status: Literal["open", "resolved", "closed", "all", *STATUSES] = Field(  # type: ignore[misc]
        default="all", description="`open` is every status still being worked."
    )
    q: Text(200) | None = Field(default=None, description="Words, or a reference (R-1042).")
    account_id: Id | None = None
    function_id: Id | None = None
    urgency: Urgency | None = None
    assignee_id: Id | None = Field(default=None, description="Owned by this member.")
    unassigned: bool = Field(default=False, description="Only requests nobody owns yet.")
    after: Id | None = Field(default=None, description="The cursor `next` carries.")
    limit: int = Field(default=50, ge=1, le=100)


class PageQuery(_In):
    after: Id | None = None
    limit: int = Field(default=50, ge=1, le=100)


class NewRequest(_In):
    subject: Text(200)
    description: Text(20000)
    urgency: Urgency = "normal"
    expected_by: date | None = None
    requester_id: BodyId | None = Field(
        default=None,
        description="Team tokens: the contact the request is raised for. Contact tokens: "
        "leave out (it is raised as yours).",
    )


class NewReply(_In):
    body: Text(20000)


class NewNote(_In):
    body: Text(20000)


class RequestChanges(_In):
    """Only what is sent changes; each change is recorded on the timeline as on the web."""

    status: Literal["open", "waiting_on_customer", "resolved", "closed"] | None = None
    assignee_id: BodyId | None = Field(
        default=None, description="A member of the team; `unassign: true` to release it."
    )
    unassign: bool = Field(default=False, strict=True)
    function_id: BodyId | None = None
    urgency: Urgency | None = None


class InvalidParam(BaseModel):
    name: str
    reason: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    invalid_params: list[InvalidParam] | None = Field(default=None, alias="invalid-params")


class AccountOut(BaseModel):
    id: int
    name: str
    tier: str
    shares_visibility: bool = Field(description="Its contacts may opt in to see each other's.")
    active: bool
    created_at: datetime
    last_contact_at: datetime | None = Field(description="When the team last wrote to it.")


class AccountPage(BaseModel):
    items: list[AccountOut]
    next: str | None


class ContactOut(BaseModel):
    id: int = Field(description="The person's id: `requester_id` when raising for them.")
    name: str
    email: str
    active: bool
    sees_account_requests: bool


class ContactPage(BaseModel):
    items: list[ContactOut]
    next: str | None


class RatingOut(BaseModel):
    id: int
    request_id: int
    reference: str
    score: int = Field(ge=1, le=5)
    comment: str
    contact: Person
    created_at: datetime


class RatingPage(BaseModel):
    items: list[RatingOut]
    next: str | None


# --- handoffs, files, procedures and surveys ---------------------------------------------


class HandoffOut(BaseModel):
    id: int
    request_id: int
    function: str
    owner: Person | None
    asked_by: Person
    what_is_needed: str
    status: Literal["open", "done", "cancelled"]
    waits_for_id: int | None
    started_at: datetime | None = Field(description="Null while it waits for another.")
    due_at: datetime | None
    outcome: str
    created_at: datetime
    completed_at: datetime | None


class HandoffList(BaseModel):
    items: list[HandoffOut]


class NewHandoff(_In):
    function_id: BodyId
    owner_id: BodyId | None = Field(
        default=None, description="Leave out to route it by skill and load, as the web does."
    )
    what_is_needed: Text(2000)
    due_in_hours: int = Field(default=8, ge=1, le=720, strict=True, description="Business hours.")
    waits_for_id: BodyId | None = Field(
        default=None,
        description="Another open handoff of the request to wait for (delivery waits for "
        "credit): this one's clock starts when that one is done.",
    )


class HandoffDone(_In):
    outcome: Text(2000)


class AttachmentOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int = Field(description="Bytes.")
    public: bool = Field(description="False: on an internal note (team tokens only).")
    entry_id: int | None = Field(description="The entry it came with; null: with the request.")
    created_at: datetime
    download: str = Field(description="The URL of the file itself.")


class AttachmentList(BaseModel):
    items: list[AttachmentOut]


class ProcedureOut(BaseModel):
    id: int
    title: str
    summary: str
    status: str
    function: str | None
    version: int = Field(description="The latest version's number.")
    adopted_version: int | None
    adopted_at: datetime | None
    updated_at: datetime


class ProcedurePage(BaseModel):
    items: list[ProcedureOut]
    next: str | None


class ProcedureDetail(ProcedureOut):
    body: str = Field(description="The latest version's text (Markdown).")
    customer_change: str = Field(description="What changes for the customer.")


class Counts(BaseModel):
    support: int
    concern: int
    object: int


class TierCounts(Counts):
    tier: str


class RoundResults(BaseModel):
    """Each member's latest stance that counts; never weighted by tier."""

    tally: Counts
    by_tier: list[TierCounts]
    quorum_met: bool
    members: int = Field(description="The reference group when the round was counted.")
    decision: Literal["adopted", "revised", "withdrawn"] | None
    decision_statement: str
    decided_at: datetime | None


class RoundOut(BaseModel):
    id: int
    version: int
    title: str
    status: str
    opened_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    closed_early: bool
    results: RoundResults | None = Field(description="Null while the round is open.")


class RoundList(BaseModel):
    items: list[RoundOut]


class SurveyQuery(_In):
    quarter: Annotated[str, StringConstraints(pattern=r"^2\d{3}-Q[1-4]$")] | None = Field(
        default=None,
        description="e.g. 2026-Q4 (years 2000 to 2999); the current quarter when left out.",
    )


class Gap(BaseModel):
    dimension: str
    gap: float | None = Field(description="Perception minus expectation; null: no answers.")


class SurveyResults(BaseModel):
    period: str
    start: date
    end: date = Field(description="Exclusive.")
    responses: int
    gaps: list[Gap]
