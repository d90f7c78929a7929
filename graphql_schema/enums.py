"""Domain enums exposed to GraphQL, each with what a frontend needs to know."""

from __future__ import annotations

import strawberry

from services.complaints import models as c
from services.customers import models as cu
from services.staff import models as st

strawberry.enum(
    c.Status,
    name="ComplaintStatus",
    description=(
        "The life cycle of C-6, in order: RECEIVED → ACKNOWLEDGED → INVESTIGATING → "
        "PLAN_PROPOSED → RESOLVING → RESOLVED → REVISITED → ARCHIVED. An objection after the "
        "result, or an unsatisfied revisit, returns it to INVESTIGATING."
    ),
)
ComplaintStatus = c.Status
strawberry.enum(c.Channel, name="Channel", description="Where the complaint came in (C-1).")
Channel = c.Channel
strawberry.enum(
    c.Category, name="Category", description="What the complaint is about; drives routing (C-8)."
)
Category = c.Category
strawberry.enum(
    c.ContactPreference,
    name="ContactPreference",
    description="How the customer wants to hear the result (C-7).",
)
ContactPreference = c.ContactPreference
strawberry.enum(
    c.UrgencyReason,
    name="UrgencyReason",
    description="Why a complaint is urgent (C-3); a complaint with none is ordinary.",
)
UrgencyReason = c.UrgencyReason
strawberry.enum(c.Severity, name="Severity", description="Severity class of C-5.")
strawberry.enum(
    c.WarningColour,
    name="WarningColour",
    description="C-5 warning: BLUE normal; YELLOW and RED go to the department head.",
)
WarningColour = c.WarningColour
Severity = c.Severity
strawberry.enum(
    c.SupervisionCause,
    name="SupervisionCause",
    description="Why a matter went under supervised handling (C-10): REPEAT_COMPLAINTS, one "
    "customer's repeat complaints on it reached the threshold; RECTIFICATION, an A-3 "
    "rectification escalated it.",
)
SupervisionCause = c.SupervisionCause
strawberry.enum(
    c.DeadlineKind, name="DeadlineKind", description="Which time limit of C-7 / C-9 this is."
)
DeadlineKind = c.DeadlineKind
strawberry.enum(
    c.TaskKind, name="TaskKind", description="What sort of work a solution task is (C-8)."
)
TaskKind = c.TaskKind
strawberry.enum(
    c.DeadlineState,
    name="DeadlineState",
    description="PENDING until met on time (MET), met after it was due (MET_LATE), missed "
    "and not met (BREACHED), or set aside (WAIVED). MET_LATE and BREACHED each raised the "
    "complaint's warning colour one level.",
)
DeadlineState = c.DeadlineState
strawberry.enum(cu.Tier, name="CustomerTier", description="Customer value tier.")
strawberry.enum(
    cu.CreditStanding, name="CreditStanding", description="The customer's credit record."
)
CreditStanding = cu.CreditStanding
Tier = cu.Tier
strawberry.enum(
    cu.CustomerStatus, name="CustomerStatus", description="Whether the number is in service."
)
CustomerStatus = cu.CustomerStatus
strawberry.enum(st.Role, name="Role", description="What a member of staff may do.")
strawberry.enum(
    st.Track,
    name="Track",
    description="Organisation track: branch or service centre; approvals differ (R-12).",
)
Track = st.Track
Role = st.Role
