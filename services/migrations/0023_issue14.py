"""Slot reserved for issue 14 (helper D); empty until its author fills it."""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [("models", "0022_issue12")]

    initial = False

    operations: list = []
