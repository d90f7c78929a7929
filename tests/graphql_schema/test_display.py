"""Display objects made from rows (graphql_schema/display.py) answer as the eager ones did:
each field made when first read is the value the constructor was given before (C-12 masking
included), and an enum member found by value is the one `Kind(value)` answers."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from graphql_schema.complaints.types import Deadline, Urgency
from graphql_schema.customers.types import Customer
from graphql_schema.display import ByValue
from graphql_schema.enums import CreditStanding, CustomerStatus, DeadlineKind, Tier, UrgencyReason
from graphql_schema.ids import global_id
from services.complaints import models
from services.complaints.queries import CustomerRow, DeadlineRow, UrgencyRow
from services.privacy import Viewer

AT = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)


def test_an_enum_member_by_value_is_the_enums_own_answer():
    kinds = ByValue(DeadlineKind)

    assert kinds["promise"] is DeadlineKind("promise") is DeadlineKind.PROMISE
    assert kinds[models.DeadlineKind.PROMISE] is DeadlineKind(models.DeadlineKind.PROMISE)
    assert kinds[DeadlineKind.PROMISE] is DeadlineKind.PROMISE
    with pytest.raises(ValueError, match="is not a valid DeadlineKind"):
        kinds["no such kind"]


def test_c12_a_customer_made_from_a_row_shows_each_field_as_before():
    row = CustomerRow(
        7,
        "13812345678",
        "张伟",
        "gold_and_above",
        "广东",
        "广州",
        date(2020, 1, 2),
        "good",
        "active",
        True,
    )

    masked = Customer.from_row(row, phone_visible=False, private=False)
    shown = Customer.from_row(row, phone_visible=True, private=True)

    assert (masked.name, masked.msisdn(), masked.phone_visible) == ("张*", "138****5678", False)
    assert (shown.name, shown.msisdn(), shown.phone_visible) == ("张伟", "13812345678", True)
    for made in (masked, shown):
        assert made.id == global_id("Customer", 7) and made.pk == 7
        assert (made.tier, made.credit_standing, made.status) == (
            Tier.GOLD_AND_ABOVE,
            CreditStanding.GOOD,
            CustomerStatus.ACTIVE,
        )
        assert (made.province, made.city, made.joined_on, made.sensitive) == (
            "广东",
            "广州",
            date(2020, 1, 2),
            True,
        )


def test_c12_an_urgency_and_a_deadline_made_from_rows_show_each_field_as_before():
    urgency = UrgencyRow(1, "major", "客户 13812345678 停机", '{"n": 1}', AT)
    deadline = DeadlineRow(1, 2, "promise", "promise:1", AT, "pending", None, None, True, "回电")

    masked, shown = (
        Urgency.from_row(urgency, Viewer(False)),
        Urgency.from_row(urgency, Viewer(True)),
    )
    made = Deadline.from_row(deadline)

    assert masked.reason is shown.reason is UrgencyReason.MAJOR
    assert (masked.note, shown.note) == ("客户 138****5678 停机", "客户 13812345678 停机")
    assert (shown.set_at, shown.evidence()) == (AT, {"n": 1})
    assert (made.kind, made.key, made.due_at, made.state.value) == (
        DeadlineKind.PROMISE,
        "promise:1",
        AT,
        "pending",
    )
    assert (made.met_at, made.breached_at, made.provisional, made.note) == (
        None,
        None,
        True,
        "回电",
    )
