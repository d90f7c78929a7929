"""issue 12 - one travel invoice once per customer, however it is typed (R-10).

Invoices are stored normalised (services.refunds.compensation_service.normalise_invoice):
NFKC, so full-width letters and digits typed with a Chinese input method are the plain ones,
no white space, upper case. Stored invoices are normalised the same way; one that turns out to
repeat an earlier claim of the same customer is marked as migration 0013 marked repeats
(`… DUP#<id>`, for an auditor to find) before the rest are normalised, so the unique index
holds throughout.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

NORMALISED = "upper(regexp_replace(normalize(invoice_ref, NFKC), '\\s', '', 'g'))"


class Migration(migrations.Migration):
    dependencies = [("models", "0021_frontend")]

    initial = False

    operations: list = [
        ops.RunSQL(
            [
                f"""
                WITH n AS (
                    SELECT id, customer_id, {NORMALISED} AS norm FROM compensations
                    WHERE kind = 'travel_fare' AND status <> 'rejected' AND invoice_ref <> ''
                      AND invoice_ref NOT LIKE '% DUP#%'
                )
                UPDATE compensations c SET invoice_ref = left(n.norm, 50) || ' DUP#' || c.id
                FROM n
                WHERE c.id = n.id AND EXISTS (
                    SELECT 1 FROM n first
                    WHERE first.customer_id = n.customer_id AND first.norm = n.norm
                      AND first.id < n.id
                )
                """,
                f"""
                UPDATE compensations SET invoice_ref = {NORMALISED}
                WHERE kind = 'travel_fare' AND invoice_ref <> ''
                  AND invoice_ref NOT LIKE '% DUP#%' AND invoice_ref <> {NORMALISED}
                """,
            ],
            reverse_sql=[],
        )
    ]
