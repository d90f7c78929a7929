"""Issue 14: createComplaint's input is built without strawberry's per-field conversion
(`mutations._intake_from_input`); it is the same value strawberry's own would build."""

from __future__ import annotations

from datetime import UTC, datetime

from strawberry.types import get_object_definition
from strawberry.types.arguments import convert_arguments

from graphql_schema.complaints.mutations import ComplaintMutations, CreateComplaintInput
from graphql_schema.enums import Category, Channel, ContactPreference
from graphql_schema.schema import schema

EVERY_FIELD = {
    "msisdn": "13800001234",
    "contactName": "张先生",
    "channel": Channel.HOTLINE,
    "category": Category.BILLING_ERROR,
    "summary": "本月话费多扣了 30 元",
    "customerRequest": "退还多扣的费用",
    "contactPhone": "020-12345678",
    "contactPreference": ContactPreference.EMAIL,
    "contactEmail": "zhang@example.com",
    "serviceCode": "VOICE-BASIC",
    "spCode": "SP-1",
    "province": "广东",
    "city": "广州",
    "occurredAt": datetime(2026, 3, 1, 8, 30, tzinfo=UTC),
    "location": "天河营业厅",
    "staffInvolved": "工号 1024",
    "details": "三月账单",
}


def converted(value: dict[str, object], *, strawberrys_own: bool) -> object:
    field = next(
        f
        for f in get_object_definition(ComplaintMutations, strict=True).fields
        if f.python_name == "create_complaint"
    )
    definition = get_object_definition(CreateComplaintInput, strict=True)
    ours = definition.from_input
    if strawberrys_own:
        definition.from_input = None
    try:
        return convert_arguments(
            {"input": value},
            field.arguments,
            scalar_registry=schema.schema_converter.scalar_registry,
            config=schema.config,
        )["input"]
    finally:
        definition.from_input = ours


def test_c2_the_intake_input_is_what_strawberry_would_build_every_field_given_or_none():
    nulls = dict.fromkeys(EVERY_FIELD)
    for value in (EVERY_FIELD, nulls, {"msisdn": "13800001234"}):
        assert converted(value, strawberrys_own=False) == converted(value, strawberrys_own=True)
    assert converted(EVERY_FIELD, strawberrys_own=False).occurred_at == EVERY_FIELD["occurredAt"]
