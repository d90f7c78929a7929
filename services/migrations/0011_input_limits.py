"""issue 11 - length limits as database constraints."""

from tortoise import migrations
from tortoise.migrations import operations as ops  # noqa: F401


class Migration(migrations.Migration):
    dependencies = [("models", "0010_staff_sessions")]

    operations: list = []
