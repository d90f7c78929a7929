"""issue 11 - length limits as database constraints.

The same limits as services.validation.TEXT_COLUMNS (4000 characters for long free text, 2000
for notes, reasons and descriptions, 8000 for a complaint's details, which hold a partner
dispute's whole submission), written out here as migrations are: frozen. NOT VALID:
new and updated rows are checked; rows written before the limit existed are left as they are
(validating them would fail the migration on one over-long row, and scan a million).
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

LIMITS = [
    ("complaints", "summary", 4000),
    ("complaints", "details", 8000),
    ("complaints", "customer_request", 4000),
    ("complaints", "plan", 4000),
    ("complaints", "result_cause", 4000),
    ("complaints", "result_solution", 4000),
    ("complaints", "result_prevention", 4000),
    ("complaints", "revisit_note", 2000),
    ("complaints", "paused_reason", 2000),
    ("complaint_tasks", "done_note", 2000),
    ("refunds", "cause", 4000),
    ("refunds", "cash_exception_reason", 2000),
    ("refunds", "verification_cause", 4000),
    ("refunds", "verification_measures", 4000),
    ("refunds", "confirmation_note", 2000),
    ("refund_approvals", "reason", 2000),
    ("compensations", "description", 2000),
    ("partner_disputes", "description", 2000),
]


class Migration(migrations.Migration):
    dependencies = [("models", "0010_staff_sessions")]

    operations: list = [
        ops.RunSQL(
            [
                f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_{column}_length" '
                f'CHECK (char_length("{column}") <= {limit}) NOT VALID'
                for table, column, limit in LIMITS
            ],
            reverse_sql=[
                f'ALTER TABLE "{table}" DROP CONSTRAINT "{table}_{column}_length"'
                for table, column, _ in LIMITS
            ],
        ),
    ]
