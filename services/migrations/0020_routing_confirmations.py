"""Slot reserved for issue 13 C-8/C-9 (lead); empty until its author fills it."""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [("models", "0019_notice_channels")]

    initial = False

    operations: list = []
