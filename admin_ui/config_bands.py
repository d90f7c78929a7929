"""R-12 approval bands: the form, its checks, and who would approve sample refunds before/after.

The bands are upper bounds only (band n covers the amounts above band n-1's bound up to its
own), so a gap cannot be typed; what can go wrong is a bound that does not rise band by band
(an empty or overlapping band) or a band 0 reaching past band 1. Both are refused with the
band named. The preview asks `services.refunds.policy.approval_band`, the function the API's
refund requests and refundPolicyPreview use, once with the bands in force and once with the
proposed ones.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from admin_ui import i18n
from admin_ui.config_groups import Group, Preview
from admin_ui.forms import Form, money_text
from services.clock import now
from services.errors import InvalidInput
from services.refunds import limits, policy
from services.refunds.bands import BRANCH_APPROVERS, HIGHEST_BAND, SERVICE_CENTRE_APPROVERS
from services.refunds.models import Refund

TRACKS = (("liable", "liable_max_fen"), ("not_liable", "not_liable_max_fen"))
LIABILITY = {"liable": policy.Liability.COMPANY_LIABLE, "not_liable": policy.Liability.NOT_LIABLE}
# (amount in fen, liability, cause unknown on the spot and first refund: band 0 possible)
SAMPLES: tuple[tuple[int, policy.Liability, bool], ...] = (
    (1500, policy.Liability.COMPANY_LIABLE, True),
    (15000, policy.Liability.COMPANY_LIABLE, False),
    (15000, policy.Liability.NOT_LIABLE, False),
    (25000, policy.Liability.COMPANY_LIABLE, False),
    (25000, policy.Liability.NOT_LIABLE, False),
    (45000, policy.Liability.NOT_LIABLE, False),
    (80000, policy.Liability.COMPANY_LIABLE, False),
    (120000, policy.Liability.COMPANY_LIABLE, False),
)
RECENT_DAYS = 90
RECENT_LIMIT = 20_000
MAX_EXTRA_SAMPLES = 10


def field_name(track: str, band: int) -> str:
    return f"{track}_{band}"


class BandsGroup(Group):
    slug = "bands"
    title_key = "config.bands.title"
    intro_key = "config.bands.intro"
    rules = "R-12"
    keys = (limits.BANDS,)
    template = "config/fields_bands.html"

    def initial(self, current: dict[str, Any]) -> dict[str, str]:
        bands = current[limits.BANDS]
        typed = {"band0": money_text(bands["band0_max_fen"])}
        for track, part in TRACKS:
            for band, bound in enumerate(bands[part], start=1):
                typed[field_name(track, band)] = money_text(bound)
        return typed

    async def parse(self, form: Form, current: dict[str, Any]) -> dict[str, Any]:
        band0 = form.money("band0", "config.bands.band0", minimum_fen=1)
        bounds: dict[str, list[int | None]] = {}
        for track, _part in TRACKS:
            bounds[track] = [
                form.money(field_name(track, band), f"config.bands.{track}", minimum_fen=1)
                for band in range(1, HIGHEST_BAND)
            ]
        value = dict(current[limits.BANDS])
        if not form.ok or band0 is None:
            return {limits.BANDS: value}
        for track, part in TRACKS:
            typed = [b for b in bounds[track] if b is not None]
            _check_rising(form, track, typed)
            if typed and band0 > typed[0]:
                form.error(
                    "band0",
                    "config.bands.error.band0",
                    band0=i18n.yuan(band0),
                    track=form.label(f"config.bands.{track}"),
                    bound=i18n.yuan(typed[0]),
                )
            value[part] = typed
        value["band0_max_fen"] = band0
        if form.ok:
            try:  # R-12's own check: the same one every stored value passes
                policy.ApprovalBands(**value)
            except InvalidInput as exc:
                form.error("__all__", "form.rejected", detail=exc.message)
        return {limits.BANDS: value}

    async def fields_context(self, current: dict[str, Any], locale: str) -> dict[str, Any]:
        return {
            "bands": range(1, HIGHEST_BAND),
            "tracks": [track for track, _ in TRACKS],
            "approvers": [
                (
                    i18n.label("approver", branch.value, locale),
                    i18n.label("approver", centre.value, locale),
                )
                for branch, centre in zip(BRANCH_APPROVERS, SERVICE_CENTRE_APPROVERS, strict=True)
            ],
            "field_name": field_name,
        }

    async def preview(
        self, before: dict[str, Any], after: dict[str, Any], locale: str
    ) -> Preview | None:
        old = policy.ApprovalBands(**before[limits.BANDS])
        new = policy.ApprovalBands(**after[limits.BANDS])
        table = Preview(
            headers=[
                i18n._(key, locale)
                for key in (
                    "config.bands.preview.sample",
                    "config.bands.preview.before",
                    "config.bands.preview.after",
                )
            ]
        )
        for amount, liability, band0_possible in SAMPLES:
            decisions = [
                policy.approval_band(
                    amount_fen=amount,
                    liability=liability,
                    cause_unknown_on_spot=band0_possible,
                    first_refund=band0_possible,
                    bands=bands,
                )
                for bands in (old, new)
            ]
            sample = i18n._(
                "config.bands.preview.refund",
                locale,
                amount=i18n.yuan(amount),
                liability=i18n.label("liability", liability.value, locale),
            )
            table.add(
                [sample, *(_who(d, locale) for d in decisions)],
                decisions[0].band != decisions[1].band,
            )
        moved, seen = await _recent_moves(old, new)
        table.notes.append(
            i18n._("config.bands.preview.recent", locale, days=RECENT_DAYS, seen=seen, moved=moved)
        )
        return table

    def describe(self, key: str, value: Any, locale: str) -> list[tuple[str, str]]:
        shown = [(i18n._("config.bands.band0", locale), _yuan(value["band0_max_fen"], locale))]
        for track, part in TRACKS:
            bounds = " / ".join(_yuan(b, locale) for b in value[part])
            shown.append((i18n._(f"config.bands.{track}", locale), bounds))
        return shown


def _check_rising(form: Form, track: str, bounds: list[int]) -> None:
    for band in range(1, len(bounds)):
        if bounds[band] <= bounds[band - 1]:
            form.error(
                field_name(track, band + 1),
                "config.bands.error.rising",
                track=form.label(f"config.bands.{track}"),
                band=band + 1,
                bound=i18n.yuan(bounds[band]),
                previous_band=band,
                previous=i18n.yuan(bounds[band - 1]),
            )


def _yuan(fen: int, locale: str) -> str:
    return i18n._("money.yuan", locale, amount=i18n.yuan(fen))


def _who(decision: policy.BandDecision, locale: str) -> str:
    return i18n._(
        "config.bands.preview.who",
        locale,
        band=decision.band,
        branch=i18n.label("approver", decision.branch_approver.value, locale),
        centre=i18n.label("approver", decision.service_centre_approver.value, locale),
    )


async def _recent_moves(old: policy.ApprovalBands, new: policy.ApprovalBands) -> tuple[int, int]:
    """How many refunds requested lately would land in another band under the new bounds."""
    rows = (
        await Refund.filter(created_at__gte=now() - timedelta(days=RECENT_DAYS), refund_fen__gt=0)
        .order_by("-id")
        .limit(RECENT_LIMIT)
        .values_list("refund_fen", "liability", "cause_unknown_on_spot", "first_refund")
    )
    moved = 0
    for amount, liability, unknown, first in rows:
        bands = [
            policy.approval_band(
                amount_fen=amount,
                liability=liability,
                cause_unknown_on_spot=unknown,
                first_refund=first,
                bands=b,
            ).band
            for b in (old, new)
        ]
        moved += bands[0] != bands[1]
    return moved, len(rows)
