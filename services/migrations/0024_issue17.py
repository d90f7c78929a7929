"""Slot reserved for issue 17 (helper E); empty until its author fills it."""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [("models", "0023_issue14")]

    initial = False

    operations: list = []
