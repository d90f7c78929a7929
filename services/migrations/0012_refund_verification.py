"""issue 12 - verification stored whole, a refund stopped when nothing is due, recovery findings."""

from tortoise import migrations
from tortoise.migrations import operations as ops  # noqa: F401


class Migration(migrations.Migration):
    dependencies = [("models", "0011_input_limits")]

    operations: list = []
