"""Slot reserved for issue 17 (helpers E/F); empty until its author fills it."""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [("models", "0020_routing_confirmations")]

    initial = False

    operations: list = []
