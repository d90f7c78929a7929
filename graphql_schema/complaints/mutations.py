"""Complaint mutations: intake and each life-cycle step; thin wrappers over the service."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import get_object_definition
from strawberry.types.arguments import InputContext

from graphql_schema.complaints.types import Complaint
from graphql_schema.enums import Category, Channel, ContactPreference
from graphql_schema.errors import (
    AuthenticationError,
    ConflictError,
    IllegalTransitionError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    error_type,
    run_mutation,
)
from graphql_schema.ids import parse_id, parse_optional_id
from services.analysis import taxonomy
from services.complaints import service
from services.complaints.models import Complaint as ComplaintRow
from services.complaints.models import ContactPreference as ContactPreferenceValue
from services.errors import DomainError
from services.staff.models import Staff


@strawberry.type(description="The step succeeded; here is the complaint as it is now.")
class ComplaintResult:
    complaint: Complaint = strawberry.field(description="The complaint after the change.")


ComplaintPayload = Annotated[
    ComplaintResult
    | InputError
    | NotFoundError
    | IllegalTransitionError
    | PermissionDeniedError
    | AuthenticationError
    | ConflictError,
    strawberry.union(
        "ComplaintPayload",
        description="The complaint after a successful step, or why the step was refused.",
    ),
]


async def run_step(
    info: strawberry.Info, call: Callable[[Staff], Awaitable[ComplaintRow]]
) -> ComplaintPayload:
    return await run_mutation(  # type: ignore[no-any-return]
        info,
        call,
        lambda row, actor: ComplaintResult(
            complaint=Complaint.from_row(row, actor, info.context.loaders)
        ),
    )


@strawberry.input(
    description="What C-2 records at intake. Fields marked required may not be empty."
)
class CreateComplaintInput:
    msisdn: str | None = strawberry.field(
        default=None, description="Required. The customer's number: 11 digits starting with 1."
    )
    contact_name: str | None = strawberry.field(
        default=None, description="Required. Who to talk to."
    )
    channel: Channel | None = strawberry.field(
        default=None, description="Required. Where it came in."
    )
    category: Category | None = strawberry.field(
        default=None, description="Required. What it is about."
    )
    summary: str | None = strawberry.field(
        default=None, description="Required. The matter: when, where, which service or staff."
    )
    customer_request: str | None = strawberry.field(
        default=None, description="Required. What the customer wants."
    )
    contact_phone: str | None = strawberry.field(
        default=None, description="Call-back number if not the customer's own."
    )
    contact_preference: ContactPreference | None = strawberry.field(
        default=None, description="How to tell the result; SMS if not given."
    )
    contact_email: str | None = strawberry.field(
        default=None,
        description=(
            "The customer's e-mail address (C-9), kept on the customer: written notices go there "
            "when the preference is EMAIL. Required with EMAIL when the customer has none "
            "(REQUIRED on `contactEmail`)."
        ),
    )
    service_code: str | None = strawberry.field(default=None, description="Service/product code.")
    sp_code: str | None = strawberry.field(default=None, description="Partner (SP) code, if any.")
    province: str | None = strawberry.field(
        default=None, description="Where the matter occurred; the customer's province if not given."
    )
    city: str | None = strawberry.field(
        default=None, description="Where the matter occurred; the customer's city if not given."
    )
    occurred_at: datetime | None = strawberry.field(default=None, description="When it occurred.")
    location: str | None = strawberry.field(default=None, description="Store or address concerned.")
    staff_involved: str | None = strawberry.field(
        default=None, description="Staff the customer names."
    )
    details: str | None = strawberry.field(
        default=None, description="Follow-up details, needed when the matter is vague."
    )

    def to_intake(self) -> service.Intake:
        return service.Intake(
            msisdn=self.msisdn or "",
            contact_name=self.contact_name or "",
            channel=self.channel,
            category=self.category,
            summary=self.summary or "",
            customer_request=self.customer_request or "",
            contact_phone=self.contact_phone or "",
            contact_email=self.contact_email or "",
            contact_preference=self.contact_preference or ContactPreferenceValue.SMS,
            service_code=self.service_code or "",
            sp_code=self.sp_code or "",
            province=self.province or "",
            city=self.city or "",
            occurred_at=self.occurred_at,
            location=self.location or "",
            staff_involved=self.staff_involved or "",
            details=self.details or "",
        )


_INTAKE_FIELDS: list[tuple[str, str]] = []  # (python name, GraphQL name) of each input field


def _intake_from_input(cls: type, value: Mapping[str, Any], context: InputContext) -> Any:
    """A CreateComplaintInput from its GraphQL value. Every field is a scalar or an enum that
    graphql-core has coerced already, so each is only renamed; strawberry would look up each
    field's type and convert it on its own, about a tenth of the mutation's own work."""
    if not _INTAKE_FIELDS:
        definition = get_object_definition(cls, strict=True)
        _INTAKE_FIELDS.extend(
            (f.python_name, context.config.name_converter.from_field(f)) for f in definition.fields
        )
    return cls(**{name: value[key] for name, key in _INTAKE_FIELDS if key in value})


get_object_definition(CreateComplaintInput, strict=True).from_input = _intake_from_input


@strawberry.type
class ComplaintMutations:
    @strawberry.mutation(description="Take a complaint (C-2). The caller becomes its owner.")
    async def create_complaint(
        self, info: strawberry.Info, input: CreateComplaintInput
    ) -> ComplaintPayload:
        return await run_step(
            info, lambda actor: service.create_complaint(actor=actor, intake=input.to_intake())
        )

    @strawberry.mutation(
        description="RECEIVED → ACKNOWLEDGED: the customer was told it is in hand."
    )
    async def acknowledge_complaint(
        self, info: strawberry.Info, id: strawberry.ID, note: str | None = None
    ) -> ComplaintPayload:
        return await run_step(
            info,
            lambda a: service.acknowledge(
                actor=a, complaint_id=parse_id(id, kind="Complaint"), note=note or ""
            ),
        )

    @strawberry.mutation(description="ACKNOWLEDGED → INVESTIGATING.")
    async def start_investigation(
        self, info: strawberry.Info, id: strawberry.ID, note: str | None = None
    ) -> ComplaintPayload:
        return await run_step(
            info,
            lambda a: service.start_investigation(
                actor=a, complaint_id=parse_id(id, kind="Complaint"), note=note or ""
            ),
        )

    @strawberry.mutation(description="INVESTIGATING → PLAN_PROPOSED, recording the plan.")
    async def propose_plan(
        self, info: strawberry.Info, id: strawberry.ID, plan: str
    ) -> ComplaintPayload:
        return await run_step(
            info,
            lambda a: service.propose_plan(
                actor=a, complaint_id=parse_id(id, kind="Complaint"), plan=plan
            ),
        )

    @strawberry.mutation(description="PLAN_PROPOSED → RESOLVING: the customer accepted the plan.")
    async def start_resolution(
        self, info: strawberry.Info, id: strawberry.ID, note: str | None = None
    ) -> ComplaintPayload:
        return await run_step(
            info,
            lambda a: service.start_resolution(
                actor=a, complaint_id=parse_id(id, kind="Complaint"), note=note or ""
            ),
        )

    @strawberry.mutation(
        description="RESOLVING → RESOLVED, recording cause, solution and prevention (C-7), and "
        "`rootCause`, a code of `rootCauses` (C-11): an unknown code answers NOT_FOUND, a "
        "retired one INVALID_INPUT, both with field `rootCause`."
    )
    async def resolve_complaint(
        self,
        info: strawberry.Info,
        id: strawberry.ID,
        cause: str,
        solution: str,
        prevention: str,
        root_cause: str | None = None,
    ) -> ComplaintPayload:
        try:  # the code's form, before the database (C-11)
            taxonomy.check_code(root_cause)
        except DomainError as exc:
            return error_type(exc)  # type: ignore[no-any-return,return-value]
        return await run_step(
            info,
            lambda a: service.resolve(
                actor=a,
                complaint_id=parse_id(id, kind="Complaint"),
                cause=cause,
                solution=solution,
                prevention=prevention,
                root_cause=root_cause,
            ),
        )

    @strawberry.mutation(
        description=(
            "Record the revisit. Satisfied: RESOLVED → REVISITED. Not satisfied (say why in "
            "`note`): back to INVESTIGATING and marked ESCALATED (C-6)."
        )
    )
    async def record_revisit(
        self, info: strawberry.Info, id: strawberry.ID, satisfied: bool, note: str | None = None
    ) -> ComplaintPayload:
        return await run_step(
            info,
            lambda a: service.record_revisit(
                actor=a,
                complaint_id=parse_id(id, kind="Complaint"),
                satisfied=satisfied,
                note=note or "",
            ),
        )

    @strawberry.mutation(description="REVISITED → ARCHIVED: closed for good.")
    async def archive_complaint(
        self, info: strawberry.Info, id: strawberry.ID, note: str | None = None
    ) -> ComplaintPayload:
        return await run_step(
            info,
            lambda a: service.archive(
                actor=a, complaint_id=parse_id(id, kind="Complaint"), note=note or ""
            ),
        )

    @strawberry.mutation(
        description="The customer objects to the result: RESOLVED/REVISITED → INVESTIGATING again."
    )
    async def reopen_complaint(
        self, info: strawberry.Info, id: strawberry.ID, reason: str
    ) -> ComplaintPayload:
        return await run_step(
            info,
            lambda a: service.reopen(
                actor=a, complaint_id=parse_id(id, kind="Complaint"), reason=reason
            ),
        )

    @strawberry.mutation(
        description="Hand the complaint to another handler (and department); `reason` is required."
    )
    async def assign_complaint(
        self,
        info: strawberry.Info,
        id: strawberry.ID,
        owner_id: strawberry.ID,
        reason: str,
        department_id: strawberry.ID | None = None,
    ) -> ComplaintPayload:
        return await run_step(
            info,
            lambda a: service.assign(
                actor=a,
                complaint_id=parse_id(id, kind="Complaint"),
                owner_id=parse_id(owner_id, field="ownerId", kind="StaffMember"),
                reason=reason,
                department_id=parse_optional_id(
                    department_id, field="departmentId", kind="Department"
                ),
            ),
        )
