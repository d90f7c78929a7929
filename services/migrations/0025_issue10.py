"""Slot reserved for issue 10/11 (helpers A/B); empty until its author fills it."""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [("models", "0024_issue17")]

    initial = False

    operations: list = []
