"""Model timestamps from the domain clock: `created_at`/`updated_at` and every history row's
time come from services.clock, like every other time the domain writes (C-7)."""

from __future__ import annotations

from typing import Any

from tortoise import fields

from services import clock


class DomainDatetimeField(fields.DatetimeField):
    """A DatetimeField whose auto_now / auto_now_add read the domain clock, not the wall."""

    def to_db_value(self, value: Any, instance: Any) -> Any:
        if hasattr(instance, "_saved_in_db") and (
            self.auto_now
            or (self.auto_now_add and getattr(instance, self.model_field_name) is None)
        ):
            at = clock.now()
            setattr(instance, self.model_field_name, self.to_python_value(at))
            return at
        return super().to_db_value(value, instance)
