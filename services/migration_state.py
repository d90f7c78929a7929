"""Applying the migrations without the query machinery of their state models.

Tortoise replays the migrations on a model state: after every operation it renders each model
of the state again, and for each one builds what queries need (a filter per field and lookup,
the base queries). Our migrations only write DDL and SQL, so nothing ever queries the state
models; yet that building was most of a fresh `migrate` (measured on the shared 2-core
machine: 37 s wall, 17.7 s CPU for 0001-0025, against 8 s wall, 3.6 s CPU without it) and so
most of the first `make run`. The library skips the base queries itself when it has no
database ("state-only mode"); `ddl_only` skips them, and the filters of the state's models,
while the migrations run, and puts the library back after; the application's own models are
built as always. A migration with RunPython (Python that may query the state
models) turns it off: then everything is built as before. The resulting schema is the same
(tests/services/test_migration_state.py compares it with the library's own run).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import tortoise.models
from tortoise.migrations.operations import RunPython
from tortoise.migrations.schema_generator.state import ModelState
from tortoise.migrations.schema_generator.state_apps import StateApps

import services.migrations


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


def _filterless(method: Callable[..., Any]) -> Callable[..., Any]:
    """`method` (of the migration state only) run with no filters made for the fields it adds;
    synchronous, so no other task runs meanwhile and sees the swap."""

    @functools.wraps(method)
    def run(*args: Any, **kwargs: Any) -> Any:
        filters = tortoise.models.get_filters_for_field
        tortoise.models.get_filters_for_field = _no_filters  # type: ignore[assignment]
        try:
            return method(*args, **kwargs)
        finally:
            tortoise.models.get_filters_for_field = filters

    return run


@contextmanager
def ddl_only() -> Iterator[None]:
    """While it is open, the migration state's models (ModelState.render, StateApps) are
    built without filters and base queries; the application's own models are untouched."""
    if runs_python():
        yield
        return
    saved = (ModelState.render, StateApps._init_relations, StateApps._build_initial_querysets)
    ModelState.render = _filterless(saved[0])  # type: ignore[method-assign]
    StateApps._init_relations = _filterless(saved[1])  # type: ignore[method-assign]
    StateApps._build_initial_querysets = lambda self: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        ModelState.render, StateApps._init_relations = saved[0], saved[1]  # type: ignore[method-assign]
        StateApps._build_initial_querysets = saved[2]  # type: ignore[method-assign]
