"""Threshold pages: the list, one form per group (preview, save), the history, restore.

Everyone in the console reads; only admins preview, save and restore. A save is one new
version per changed threshold, all under one reason, in one transaction; a refused form
changes nothing and comes back filled in with the problems next to their fields.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from admin_ui import i18n
from admin_ui.auth import admin_only, console_page
from admin_ui.config_groups import Group, domain_check
from admin_ui.config_pages import all_groups, group_for
from admin_ui.forms import Form
from admin_ui.rendering import error_page, flash, path_for, render
from services.errors import DomainError
from services.staff.models import Staff
from services.thresholds import changes
from services.thresholds import service as thresholds
from services.thresholds.models import ThresholdVersion

REASON_MAX = 500


def _plain(value: Any) -> Any:
    """As stored and read back (tuples become lists), so 'changed' compares like with like."""
    return json.loads(json.dumps(value))


async def _current(group: Group) -> dict[str, Any]:
    return {key: _plain(await thresholds.current(key)) for key in group.keys}


@console_page
async def config_index(request: Request, staff: Staff) -> Response:
    locale = i18n.locale_for(request)
    latest = await thresholds.latest_versions()
    rows = []
    for group in all_groups():
        current = await _current(group)
        shown = [pair for key in group.keys for pair in group.describe(key, current[key], locale)]
        versions = [latest[key] for key in group.keys if key in latest]
        last = max(versions, key=lambda v: v.created_at) if versions else None
        rows.append({"group": group, "shown": shown, "last": last})
    context = {"staff": staff, "rows": rows, "nav": "config"}
    return render(request, "config/index.html", context)


async def _page(
    request: Request,
    staff: Staff,
    group: Group,
    *,
    typed: dict[str, str] | None = None,
    form: Form | None = None,
    preview: Any = None,
    status_code: int = 200,
) -> Response:
    locale = i18n.locale_for(request)
    current = await _current(group)
    latest = await thresholds.latest_versions()
    context = {
        "staff": staff,
        "nav": "config",
        "group": group,
        "typed": typed if typed is not None else group.initial(current),
        "errors": form.errors if form else {},
        "reason": form.value("reason") if form else "",
        "preview": preview,
        "versions": {key: latest.get(key) for key in group.keys},
        **await group.fields_context(current, locale),
    }
    return render(request, "config/edit.html", context, status_code=status_code)


@console_page
async def config_form(request: Request, staff: Staff) -> Response:
    group = group_for(request.path_params["slug"])
    if group is None:
        return error_page(request, 404)
    return await _page(request, staff, group)


@admin_only
async def config_submit(request: Request, staff: Staff) -> Response:
    group = group_for(request.path_params["slug"])
    if group is None:
        return error_page(request, 404)
    form = await Form.read(request)
    saving = form.value("action") != "preview"
    current = await _current(group)
    proposed = _plain(await group.parse(form, current))
    if form.ok:
        domain_check(form, proposed)
    changed = {key: value for key, value in proposed.items() if value != current[key]}
    if form.ok and saving:
        reason = form.text("reason", "config.reason", max_length=REASON_MAX)
        if not changed:
            form.error("__all__", "config.error.unchanged")
    if not form.ok:
        return await _page(request, staff, group, typed=form.raw, form=form, status_code=400)
    if not saving:
        preview = await group.preview(current, proposed, form.locale)
        return await _page(request, staff, group, typed=form.raw, form=form, preview=preview)
    try:
        rows = await changes.change_thresholds(actor=staff, values=changed, reason=reason)
    except DomainError as exc:
        form.error("__all__", "form.rejected", detail=exc.message)
        return await _page(request, staff, group, typed=form.raw, form=form, status_code=400)
    await group.after_save()
    versions = ", ".join(f"v{row.version}" for row in rows)
    flash(request, "config.saved", versions=versions)
    return RedirectResponse(path_for(request, "config_form", slug=group.slug), status_code=303)


def _history_rows(
    group: Group, key: str, versions: list[ThresholdVersion], locale: str
) -> list[dict[str, Any]]:
    """Newest first; 'before' is the version below (or the shipped default below version 1)."""
    default = _plain(thresholds.registered()[key].default)
    oldest_first = list(reversed(versions))
    rows = []
    for index, version in enumerate(oldest_first):
        before = oldest_first[index - 1].value if index else default
        old = dict(group.describe(key, before, locale))
        new = group.describe(key, version.value, locale)
        rows.append(
            {
                "version": version,
                "changes": [
                    (name, old.get(name, ""), text) for name, text in new if old.get(name) != text
                ],
            }
        )
    rows.reverse()
    return rows


@console_page
async def config_history(request: Request, staff: Staff) -> Response:
    group = group_for(request.path_params["slug"])
    if group is None:
        return error_page(request, 404)
    locale = i18n.locale_for(request)
    sections = []
    for key in group.keys:
        versions = await thresholds.history(key)
        default = group.describe(key, _plain(thresholds.registered()[key].default), locale)
        sections.append(
            {
                "key": key,
                "rows": _history_rows(group, key, versions, locale),
                "default": default,
                "current": versions[0].version if versions else 0,
            }
        )
    context = {"staff": staff, "nav": "config", "group": group, "sections": sections}
    return render(request, "config/history.html", context)


@admin_only
async def config_restore(request: Request, staff: Staff) -> Response:
    group = group_for(request.path_params["slug"])
    if group is None:
        return error_page(request, 404)
    form = await Form.read(request)
    key = form.choice("key", "config.history.key", group.keys)
    version = form.integer("version", "config.history.version", minimum=0)
    reason = form.text("reason", "config.reason", max_length=REASON_MAX)
    if form.ok and key is not None and version is not None:
        await _refuse_same_value(form, key, version)
    if form.ok and key is not None and version is not None:
        try:
            row = await changes.restore_threshold(
                actor=staff, key=key, version=version, reason=reason
            )
        except DomainError as exc:
            form.error("__all__", "form.rejected", detail=exc.message)
        else:
            await group.after_save()
            flash(request, "config.restored", old=version, new=row.version)
            return RedirectResponse(
                path_for(request, "config_history", slug=group.slug), status_code=303
            )
    flash(request, "config.restore_failed", problem=True, detail=" ".join(form.errors.values()))
    return RedirectResponse(path_for(request, "config_history", slug=group.slug), status_code=303)


async def _refuse_same_value(form: Form, key: str, version: int) -> None:
    if version == 0:
        value = thresholds.registered()[key].default
    else:
        row = await ThresholdVersion.get_or_none(key=key, version=version)
        if row is None:
            form.error("version", "config.error.no_version", version=version)
            return
        value = row.value
    if _plain(value) == _plain(await thresholds.current(key)):
        form.error("version", "config.error.restore_same", version=version)


routes = [
    Route("/config", config_index, name="config"),
    Route("/config/{slug}", config_form, methods=["GET"], name="config_form"),
    Route("/config/{slug}", config_submit, methods=["POST"], name="config_submit"),
    Route("/config/{slug}/history", config_history, name="config_history"),
    Route("/config/{slug}/restore", config_restore, methods=["POST"], name="config_restore"),
]
