"""Handler assist in the console (S-1 … S-3): the scenario scripts and the keyword library,
edited as versions (who, when, why) with history and restore, and a "check my reply" box that
runs the wording check and the suggestions on any text. Edits are live everywhere within 3 s.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from admin_ui.auth import admin_only, console_page
from admin_ui.forms import Form
from admin_ui.rendering import error_page, flash, path_for, render
from services.assist import library, policy
from services.assist import service as assist
from services.assist.models import LibraryKind
from services.assist.scenarios_seed import BY_CODE
from services.errors import DomainError
from services.staff.models import Staff
from services.validation import TEXT

REASON_MAX = 500


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _marked(reply: str, findings: list[policy.Finding]) -> list[dict[str, Any]]:
    """The reply cut into plain and flagged pieces, for <mark> in the template."""
    pieces: list[dict[str, Any]] = []
    at = 0
    for found in sorted(findings, key=lambda f: f.start):
        if found.start < at:
            continue
        if found.start > at:
            pieces.append({"words": reply[at : found.start], "flag": None})
        pieces.append({"words": found.text, "flag": found})
        at = found.end
    if at < len(reply):
        pieces.append({"words": reply[at:], "flag": None})
    return pieces


async def _index(
    request: Request, staff: Staff, *, text: str = "", checked: bool = False, status: int = 200
) -> Response:
    current = await library.current()
    findings = policy.check_wording(text) if checked else []
    context = {
        "staff": staff,
        "nav": "config",
        "scenarios": list(current.scenarios.values()),
        "keywords_version": current.keywords_version,
        "keyword_count": len(current.matcher.keywords),
        "text": text,
        "checked": checked,
        "findings": findings,
        "pieces": _marked(text, findings),
        "rules": policy.WORDING_RULES,
        "assist": await assist.assist_text(text) if checked else None,
    }
    return render(request, "assist/index.html", context, status_code=status)


@console_page
async def assist_index(request: Request, staff: Staff) -> Response:
    return await _index(request, staff)


@console_page
async def check_reply(request: Request, staff: Staff) -> Response:
    """S-3 "check my reply": findings with their spans and better phrasings; nothing is stored."""
    form = await Form.read(request)
    text = form.text("text", "assist.check.text", max_length=TEXT)
    if not form.ok:
        return await _index(request, staff, text=text[:TEXT], status=400)
    return await _index(request, staff, text=text, checked=True)


def _scenario_context(
    staff: Staff, scenario: library.Scenario, form: Form | None
) -> dict[str, Any]:
    def typed(name: str, stored: str) -> str:
        return form.raw.get(name, stored) if form else stored

    return {
        "staff": staff,
        "nav": "config",
        "s": scenario,
        "title": typed("title", scenario.title),
        "situation": typed("situation", scenario.situation),
        "measure": typed("measure", scenario.measure),
        "examples": typed("examples", "\n".join(scenario.examples)),
        "escalation": typed("escalation", "\n".join(scenario.escalation)),
        "reason": form.value("reason") if form else "",
        "errors": form.errors if form else {},
        "findings": [
            (line, policy.check_wording(line))
            for line in scenario.examples
            if policy.check_wording(line)
        ],
    }


@console_page
async def scenario_page(request: Request, staff: Staff) -> Response:
    code = request.path_params["code"]
    if code not in BY_CODE:
        return error_page(request, 404)
    scenario = (await library.current()).scenarios[code]
    return render(request, "assist/scenario.html", _scenario_context(staff, scenario, None))


@admin_only
async def save_scenario(request: Request, staff: Staff) -> Response:
    code = request.path_params["code"]
    if code not in BY_CODE:
        return error_page(request, 404)
    form = await Form.read(request)
    reason = form.text("reason", "config.reason", max_length=REASON_MAX)
    value = {
        "title": form.value("title"),
        "situation": form.value("situation"),
        "measure": form.value("measure"),
        "examples": _lines(form.raw.get("examples", "")),
        "escalation": _lines(form.raw.get("escalation", "")),
    }
    if form.ok:
        try:
            row = await assist.save_scenario(actor=staff, code=code, value=value, reason=reason)
        except DomainError as exc:
            form.error(exc.field or "title", "form.rejected", detail=exc.message)
        else:
            warned = [f for line in value["examples"] for f in policy.check_wording(line)]
            if warned:
                flash(request, "assist.saved_warned", version=row.version, count=len(warned))
            else:
                flash(request, "assist.saved", version=row.version, count=0)
            return RedirectResponse(
                path_for(request, "assist_scenario", code=code), status_code=303
            )
    scenario = (await library.current()).scenarios[code]
    context = _scenario_context(staff, scenario, form)
    return render(request, "assist/scenario.html", context, status_code=400)


@console_page
async def keywords_page(request: Request, staff: Staff) -> Response:
    current = await library.current()
    context = {
        "staff": staff,
        "nav": "config",
        "text": current.keywords_text,
        "version": current.keywords_version,
        "count": len(current.matcher.keywords),
        "reason": "",
        "errors": {},
        "problems": [],
    }
    return render(request, "assist/keywords.html", context)


@admin_only
async def save_keywords(request: Request, staff: Staff) -> Response:
    form = await Form.read(request)
    text = form.raw.get("text", "")
    reason = form.text("reason", "config.reason", max_length=REASON_MAX)
    problems: list[str] = []
    if form.ok:
        try:
            row = await assist.save_keywords(actor=staff, text=text, reason=reason)
        except DomainError as exc:
            problems = [p.message for p in exc.problems] or [exc.message]
            form.error("text", "form.rejected", detail=exc.message)
        else:
            flash(request, "assist.saved", version=row.version, count=0)
            return RedirectResponse(path_for(request, "assist_keywords"), status_code=303)
    current = await library.current()
    context = {
        "staff": staff,
        "nav": "config",
        "text": text,
        "version": current.keywords_version,
        "count": len(current.matcher.keywords),
        "reason": reason,
        "errors": form.errors,
        "problems": problems,
    }
    return render(request, "assist/keywords.html", context, status_code=400)


def _subject(request: Request) -> tuple[LibraryKind, str] | None:
    kind, key = request.path_params["kind"], request.path_params["key"]
    if kind == LibraryKind.SCENARIO.value and key in BY_CODE:
        return LibraryKind.SCENARIO, key
    if kind == LibraryKind.KEYWORDS.value and key == library.LIBRARY_KEY:
        return LibraryKind.KEYWORDS, key
    return None


@console_page
async def history_page(request: Request, staff: Staff) -> Response:
    subject = _subject(request)
    if subject is None:
        return error_page(request, 404)
    kind, key = subject
    rows = await assist.history(kind, key)
    versions = []
    for row in rows:
        shown = row.value["text"] if kind is LibraryKind.KEYWORDS else row.value
        versions.append({"row": row, "shown": shown})
    context = {
        "staff": staff,
        "nav": "config",
        "kind": kind.value,
        "key": key,
        "versions": versions,
        "current": rows[0].version if rows else library.SHIPPED_VERSION,
        "title": BY_CODE[key]["title"] if kind is LibraryKind.SCENARIO else "",
    }
    return render(request, "assist/history.html", context)


@admin_only
async def restore(request: Request, staff: Staff) -> Response:
    subject = _subject(request)
    if subject is None:
        return error_page(request, 404)
    kind, key = subject
    form = await Form.read(request)
    version = form.integer("version", "config.history.version", minimum=1)
    reason = form.text("reason", "config.reason", max_length=REASON_MAX)
    if form.ok and version is not None:
        try:
            row = await assist.restore_version(
                actor=staff, kind=kind, key=key, version=version, reason=reason
            )
        except DomainError as exc:
            form.error("version", "form.rejected", detail=exc.message)
        else:
            flash(request, "config.restored", old=version, new=row.version)
    if not form.ok:
        flash(request, "config.restore_failed", problem=True, detail=" ".join(form.errors.values()))
    return RedirectResponse(
        path_for(request, "assist_history", kind=kind.value, key=key), status_code=303
    )


routes = [
    Route("/config/assist", assist_index, name="assist"),
    Route("/config/assist/check", check_reply, methods=["POST"], name="assist_check"),
    Route("/config/assist/keywords", keywords_page, name="assist_keywords"),
    Route("/config/assist/keywords", save_keywords, methods=["POST"], name="assist_save_keywords"),
    Route("/config/assist/scenarios/{code}", scenario_page, name="assist_scenario"),
    Route(
        "/config/assist/scenarios/{code}",
        save_scenario,
        methods=["POST"],
        name="assist_save_scenario",
    ),
    Route("/config/assist/{kind}/{key}/history", history_page, name="assist_history"),
    Route("/config/assist/{kind}/{key}/restore", restore, methods=["POST"], name="assist_restore"),
]
