"""Slot reserved for issue 13 C-3/C-10 (helper A); empty until its author fills it."""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [("models", "0014_refund_deadlines_and_rechecks")]

    initial = False

    operations: list = []
