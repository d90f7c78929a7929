"""Slot reserved for issue 16 monthly analysis (helper D); empty until its author fills it."""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [("models", "0017_assist")]

    initial = False

    operations: list = []
