"""issue 12 - R-13 deadlines enforced, audit re-checks until terminal, K-1 profile recompute runs."""

from tortoise import migrations
from tortoise.migrations import operations as ops  # noqa: F401


class Migration(migrations.Migration):
    dependencies = [("models", "0013_compensation_and_keys")]

    operations: list = []
