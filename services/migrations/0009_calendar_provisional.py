"""issue 10 - provisional calendar years, provisional deadlines."""

from tortoise import migrations
from tortoise.migrations import operations as ops  # noqa: F401


class Migration(migrations.Migration):
    dependencies = [("models", "0008_audit")]

    operations: list = []
