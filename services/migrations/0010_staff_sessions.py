"""issue 11 - login throttle, token versions, console sessions."""

from tortoise import migrations
from tortoise.migrations import operations as ops  # noqa: F401


class Migration(migrations.Migration):
    dependencies = [("models", "0009_calendar_provisional")]

    operations: list = []
