"""Applying the migrations without the query machinery of their state models.

Tortoise replays the migrations on a model state: after every operation it renders each model
of the state again, and for each one builds what queries need (a filter per field and lookup,
the base queries). Our migrations only write DDL and SQL, so nothing ever queries the state
models; yet that building was most of a fresh `migrate` (measured on the shared 2-core
machine: 37 s wall, 17.7 s CPU for 0001-0025, against 8 s wall, 3.6 s CPU without it) and so
most of the first `make run`. The library skips the base queries itself when it has no
database ("state-only mode"); `ddl_only` skips them and the filters while the migrations run,
and puts both back after. A migration with RunPython (Python that may query the state
models) turns it off: then everything is built as before. The resulting schema is the same
(tests/services/test_migration_state.py compares it with the library's own run).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import tortoise.models
from tortoise.migrations.operations import RunPython
from tortoise.migrations.schema_generator.state_apps import StateApps

import services.migrations
from services.db import MODEL_MODULES


def runs_python() -> bool:
    """Whether any shipped migration has a RunPython operation."""
    for info in pkgutil.iter_modules(services.migrations.__path__):
        module = importlib.import_module(f"services.migrations.{info.name}")
        migration = getattr(module, "Migration", None)
        if any(isinstance(op, RunPython) for op in getattr(migration, "operations", ())):
            return True
    return False


def _no_filters(*args: Any, **kwargs: Any) -> dict[str, Any]:
    return {}


@contextmanager
def ddl_only() -> Iterator[None]:
    """While it is open, state models are rendered without filters and base queries. The
    application's own models are imported first, so they keep theirs."""
    if runs_python():
        yield
        return
    for name in MODEL_MODULES:
        importlib.import_module(name)
    build, filters = StateApps._build_initial_querysets, tortoise.models.get_filters_for_field
    StateApps._build_initial_querysets = lambda self: None  # type: ignore[method-assign]
    tortoise.models.get_filters_for_field = _no_filters  # type: ignore[assignment]
    try:
        yield
    finally:
        StateApps._build_initial_querysets = build  # type: ignore[method-assign]
        tortoise.models.get_filters_for_field = filters
