"""Slot reserved for issue 14 performance (helper B); empty until its author fills it."""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [("models", "0015_supervision_batch_marks")]

    initial = False

    operations: list = []
