"""issue 12 - compensation once per invoice, cumulative gifts, special decisions, idempotency keys per actor."""

from tortoise import migrations
from tortoise.migrations import operations as ops  # noqa: F401


class Migration(migrations.Migration):
    dependencies = [("models", "0012_refund_verification")]

    operations: list = []
