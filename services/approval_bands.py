"""R-12 approval authority: bands in fen, each band's approver on both tracks, who may approve."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from services.errors import InvalidInput, PermissionDenied
from services.refund_kinds import Decision, Liability, coerce, require_count, require_fen, yuan

HIGHEST_BAND = 4


class Track(StrEnum):
    """R-12's two tracks; values mirror services.staff.models.Track so the two compare equal."""

    BRANCH = "branch"  # 分公司
    SERVICE_CENTRE = "service_centre"  # 客户服务中心


class StaffRole(StrEnum):
    """The staff roles that approve; values mirror services.staff.models.Role."""

    HANDLER = "handler"
    TEAM_LEAD = "team_lead"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    DEPUTY_GM = "deputy_gm"


class ApproverTitle(StrEnum):
    """R-12: who approves (band 0: refunds directly) on each track."""

    STORE_MARKETING_MANAGER = "store_marketing_manager"
    STORE_MANAGER = "store_manager"
    COUNTY_SERVICE_SUPERVISOR = "county_service_supervisor"
    COUNTY_BRANCH_MANAGER = "county_branch_manager"
    CITY_BRANCH_DEPUTY_GM = "city_branch_deputy_gm"
    BILLING_AGENT_OR_COMPLAINT_HANDLER = "billing_agent_or_complaint_handler"
    WORK_ORDER_TEAM_LEAD_OR_SUPPORT_OFFICER = "work_order_team_lead_or_support_officer"
    COMPLAINT_SUPERVISOR = "complaint_supervisor"
    OPERATIONS_DEPARTMENT_MANAGER = "operations_department_manager"
    CENTRE_DEPUTY_GM = "centre_deputy_gm"

    @property
    def label(self) -> str:
        """The title as the rulebook writes it, English and Chinese."""
        return _LABELS[self]


_LABELS: dict[ApproverTitle, str] = {
    ApproverTitle.STORE_MARKETING_MANAGER: "store marketing manager (营业厅营销经理)",
    ApproverTitle.STORE_MANAGER: "store manager (营业厅厅经理)",
    ApproverTitle.COUNTY_SERVICE_SUPERVISOR: "county service supervisor (区县分公司服务主管)",
    ApproverTitle.COUNTY_BRANCH_MANAGER: "county branch manager (区县分公司经理)",
    ApproverTitle.CITY_BRANCH_DEPUTY_GM: "city branch deputy GM (州市分公司分管副总经理)",
    ApproverTitle.BILLING_AGENT_OR_COMPLAINT_HANDLER: (
        "billing agent / complaint handler (计费专席话务员/投诉处理人员)"
    ),
    ApproverTitle.WORK_ORDER_TEAM_LEAD_OR_SUPPORT_OFFICER: (
        "work-order team lead / support officer (工单班长/综合支撑员)"
    ),
    ApproverTitle.COMPLAINT_SUPERVISOR: "complaint supervisor (投诉主管)",
    ApproverTitle.OPERATIONS_DEPARTMENT_MANAGER: "operations department manager (业务运营部经理)",
    ApproverTitle.CENTRE_DEPUTY_GM: "centre deputy GM (客户服务中心分管副总经理)",
}

# index = band number
BRANCH_APPROVERS: tuple[ApproverTitle, ...] = (
    ApproverTitle.STORE_MARKETING_MANAGER,
    ApproverTitle.STORE_MANAGER,
    ApproverTitle.COUNTY_SERVICE_SUPERVISOR,
    ApproverTitle.COUNTY_BRANCH_MANAGER,
    ApproverTitle.CITY_BRANCH_DEPUTY_GM,
)
SERVICE_CENTRE_APPROVERS: tuple[ApproverTitle, ...] = (
    ApproverTitle.BILLING_AGENT_OR_COMPLAINT_HANDLER,
    ApproverTitle.WORK_ORDER_TEAM_LEAD_OR_SUPPORT_OFFICER,
    ApproverTitle.COMPLAINT_SUPERVISOR,
    ApproverTitle.OPERATIONS_DEPARTMENT_MANAGER,
    ApproverTitle.CENTRE_DEPUTY_GM,
)
BAND_ROLES: tuple[StaffRole, ...] = (
    StaffRole.HANDLER,
    StaffRole.TEAM_LEAD,
    StaffRole.SUPERVISOR,
    StaffRole.MANAGER,
    StaffRole.DEPUTY_GM,
)
TITLE_ROLES: dict[ApproverTitle, StaffRole] = {
    title: BAND_ROLES[band]
    for titles in (BRANCH_APPROVERS, SERVICE_CENTRE_APPROVERS)
    for band, title in enumerate(titles)
}


def approver_for(band: int, track: Track) -> ApproverTitle:
    """R-12: the title that approves `band` on `track` (band 0: refunds directly)."""
    return _titles(track)[_require_band(band, "band")]


@dataclass(frozen=True, slots=True)
class ApprovalBands:
    """R-12's bounds in fen, each an INCLUSIVE upper bound; band 4 is everything above band 3.

    Band n covers (bound of band n-1, bound of band n], so bands cannot have gaps by
    construction; validate() rejects what would still break the table: a wrong number of
    bounds, non-integers, bounds not above zero, bounds that do not rise band by band (an
    empty or overlapping band), and a band 0 that reaches past band 1.
    """

    band0_max_fen: int = 2000
    liable_max_fen: tuple[int, ...] = (20000, 50000, 100000)
    not_liable_max_fen: tuple[int, ...] = (10000, 30000, 50000)

    def __post_init__(self) -> None:
        # a list from a config form becomes a tuple, so a frozen instance stays frozen
        object.__setattr__(self, "liable_max_fen", tuple(self.liable_max_fen))
        object.__setattr__(self, "not_liable_max_fen", tuple(self.not_liable_max_fen))
        self.validate()

    def validate(self) -> None:
        """R-12: raise InvalidInput unless the bounds form a proper band table."""
        band0 = require_fen(self.band0_max_fen, "band0_max_fen", minimum=1, rule="R-12")
        for field, bounds in (
            ("liable_max_fen", self.liable_max_fen),
            ("not_liable_max_fen", self.not_liable_max_fen),
        ):
            if len(bounds) != HIGHEST_BAND - 1:
                raise InvalidInput(
                    f"R-12: {field} needs exactly {HIGHEST_BAND - 1} upper bounds (bands 1 to "
                    f"{HIGHEST_BAND - 1}; band {HIGHEST_BAND} is everything above), "
                    f"got {len(bounds)}.",
                    field=field,
                )
            previous = 0
            for band, bound in enumerate(bounds, start=1):
                require_fen(bound, field, minimum=1, rule="R-12")
                if bound <= previous:
                    raise InvalidInput(
                        f"R-12: {field} must rise band by band: band {band}'s bound {bound} fen is "
                        f"not above band {band - 1}'s {previous} fen, so a band would be empty "
                        "or overlap.",
                        field=field,
                    )
                previous = bound
            if band0 > bounds[0]:
                raise InvalidInput(
                    f"R-12: band 0 ({band0} fen, refunded directly) cannot reach past band 1 of "
                    f"{field} ({bounds[0]} fen).",
                    field="band0_max_fen",
                )

    def bounds_for(self, liability: Liability) -> tuple[int, ...]:
        """The inclusive upper bounds of bands 1-3 for this liability."""
        liability = coerce(Liability, liability, "liability")
        if liability is Liability.COMPANY_LIABLE:
            return self.liable_max_fen
        return self.not_liable_max_fen


DEFAULT_BANDS = ApprovalBands()


@dataclass(frozen=True, slots=True)
class BandDecision:
    """R-12: the band of one refund, its approver on each track, and why."""

    band: int
    amount_fen: int
    liability: Liability
    branch_approver: ApproverTitle
    service_centre_approver: ApproverTitle
    role: StaffRole  # the lowest staff role that may approve it
    refunds_directly: bool  # band 0: the handler refunds on the spot, no separate approval
    reasons: tuple[str, ...]

    def approver(self, track: Track) -> ApproverTitle:
        return _titles(track)[self.band]


def approval_band(
    *,
    amount_fen: int,
    liability: Liability,
    cause_unknown_on_spot: bool,
    first_refund: bool,
    bands: ApprovalBands = DEFAULT_BANDS,
) -> BandDecision:
    """R-12: which band (0-4) a refund of this amount and liability falls in."""
    amount = require_fen(amount_fen, "amount_fen", minimum=1, rule="R-12")
    liability = coerce(Liability, liability, "liability")
    reasons: list[str] = []
    if amount <= bands.band0_max_fen and cause_unknown_on_spot and first_refund:
        band = 0
        reasons.append(
            f"R-12 band 0: {yuan(amount)} is at most {yuan(bands.band0_max_fen)}, the cause could "
            "not be found on the spot and it is the customer's first refund, so it is refunded "
            "directly without a separate approval."
        )
    else:
        if amount <= bands.band0_max_fen:
            missing = [
                text
                for text, held in (
                    ("the cause was found on the spot", not cause_unknown_on_spot),
                    ("it is not the customer's first refund", not first_refund),
                )
                if held
            ]
            reasons.append(f"R-12: not band 0 because {' and '.join(missing)}.")
        band = _band_by_amount(amount, bands.bounds_for(liability))
        reasons.append(
            f"R-12: {_liability_words(liability)} refund of {yuan(amount)} is band {band} "
            f"({_range_words(band, bands.bounds_for(liability))})."
        )
    branch, centre = BRANCH_APPROVERS[band], SERVICE_CENTRE_APPROVERS[band]
    verb = "refunds directly" if band == 0 else "approves"
    reasons.append(
        f"R-12: on the branch track the {branch.label} {verb}; at the service centre the "
        f"{centre.label} {verb}."
    )
    return BandDecision(
        band=band,
        amount_fen=amount,
        liability=liability,
        branch_approver=branch,
        service_centre_approver=centre,
        role=BAND_ROLES[band],
        refunds_directly=band == 0,
        reasons=tuple(reasons),
    )


def role_band(role: str) -> int | None:
    """R-12: the highest band a staff role may approve, None for roles that never approve."""
    try:
        return BAND_ROLES.index(StaffRole(role))
    except ValueError:
        return None


def highest_band(roles: Iterable[str]) -> int | None:
    """R-12: the highest band any of these roles may approve, None when none of them approves."""
    bands = [band for band in map(role_band, roles) if band is not None]
    return max(bands, default=None)


def may_approve(*, approver_band: int, refund_band: int) -> bool:
    """R-12: an approver may approve only up to their own band."""
    approver_band = _require_band(approver_band, "approver_band")
    return approver_band >= _require_band(refund_band, "refund_band")


def check_approver(
    *,
    requester_id: int,
    approver_id: int,
    approver_roles: Iterable[str],
    approver_track: Track,
    refund_band: int,
    refund_track: Track,
) -> Decision:
    """R-12: allow this approver for this refund, or raise PermissionDenied saying why not."""
    refund_band = _require_band(refund_band, "refund_band")
    approver_track = coerce(Track, approver_track, "approver_track")
    refund_track = coerce(Track, refund_track, "refund_track")
    needed = approver_for(refund_band, refund_track).label
    if approver_track is not refund_track:
        raise PermissionDenied(
            f"R-12: a {refund_track} refund is approved on the {refund_track} track "
            f"({needed}); this approver is on the {approver_track} track."
        )
    own_band = highest_band(approver_roles)
    if own_band is None:
        raise PermissionDenied(
            f"R-12: this staff member holds no approving role; band "
            f"{refund_band} needs the {needed}."
        )
    if not may_approve(approver_band=own_band, refund_band=refund_band):
        raise PermissionDenied(
            f"R-12: this approver may approve up to band {own_band}; the refund is band "
            f"{refund_band} and needs the {needed}."
        )
    if refund_band == 0:
        return Decision(True, (f"R-12 band 0: the {needed} refunds directly, no approval.",))
    if requester_id == approver_id:
        raise PermissionDenied("R-12: nobody may approve their own refund request.")
    return Decision(
        True,
        (
            f"R-12: band {refund_band} is within this approver's band {own_band}, "
            "and the approver is not the requester.",
        ),
    )


def _require_band(band: int, field: str) -> int:
    band = require_count(band, field, rule="R-12")
    if band > HIGHEST_BAND:
        raise InvalidInput(f"R-12: {field} must be 0 to {HIGHEST_BAND}, got {band}.", field=field)
    return band


def _titles(track: Track) -> tuple[ApproverTitle, ...]:
    if coerce(Track, track, "track") is Track.BRANCH:
        return BRANCH_APPROVERS
    return SERVICE_CENTRE_APPROVERS


def _band_by_amount(amount: int, bounds: tuple[int, ...]) -> int:
    for band, bound in enumerate(bounds, start=1):
        if amount <= bound:
            return band
    return HIGHEST_BAND


def _range_words(band: int, bounds: tuple[int, ...]) -> str:
    if band == 1:
        return f"up to {yuan(bounds[0])} inclusive"
    if band == HIGHEST_BAND:
        return f"over {yuan(bounds[-1])}"
    return f"over {yuan(bounds[band - 2])} up to {yuan(bounds[band - 1])} inclusive"


def _liability_words(liability: Liability) -> str:
    if liability is Liability.COMPANY_LIABLE:
        return "a company-liable"
    return "a not-liable (goodwill)"
