"""Slot reserved for issue 15 handler assist (helper C); empty until its author fills it."""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [("models", "0016_next_due")]

    initial = False

    operations: list = []
