"""Slot reserved for issue 12 (helper C); empty until its author fills it."""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [("models", "0021_frontend")]

    initial = False

    operations: list = []
