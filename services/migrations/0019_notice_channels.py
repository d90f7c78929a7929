"""Slot reserved for issue 18 SMPP, e-mail (helper G); empty until its author fills it."""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [("models", "0018_analysis")]

    initial = False

    operations: list = []
