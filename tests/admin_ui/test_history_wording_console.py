"""Issue 17 in the console: the history a rectification page shows (A-3) reads in the reader's
language; what the system wrote is rendered by services.wording, a person's words as typed."""

from __future__ import annotations

from datetime import timedelta

from services import clock
from services.analysis.models import Rectification
from services.refunds import clock as local
from services.staff.models import Role
from tests import factories as f
from tests.admin_ui.conftest import Console, text_of
from tests.services.analysis.world import resolve


async def test_a3_rectification_history_in_chinese_by_default_and_english_when_chosen(
    auditor: Console,
):
    handler = await f.staff(Role.HANDLER, dept=await f.department("A"))
    complaint = await f.complaint(handler)
    await resolve(handler, complaint, root_cause="process_gap")
    due = (local.local_date(clock.now()) + timedelta(days=14)).isoformat()
    await auditor.post(
        "/admin/analysis/rectifications/flag",
        {"complaint": str(complaint.id), "reason": "流程缺陷反复引发投诉"},
    )
    rect = await Rectification.get()
    planned = await auditor.post(
        "/admin/analysis/rectifications/plan",
        {"id": str(rect.id), "plan": "优化受理流程", "due_on": due},
    )
    assert planned.status_code == 303

    def history(html: str) -> str:
        row = html.split(f'id="rectification-{rect.id}"')[1].split("</tr>")[0]
        return text_of(row.split("<details>")[1].split("</details>")[0])

    chinese = history((await auditor.get("/admin/analysis/rectifications")).text)
    await auditor.post("/admin/locale", {"locale": "en", "next": "/analysis/rectifications"})
    english = history((await auditor.get("/admin/analysis/rectifications")).text)

    assert f"限 {due} 前完成：优化受理流程" in chinese and f"due {due}:" not in chinese
    assert f"due {due}: 优化受理流程" in english
    # the auditor's own words, as typed, in both
    assert "流程缺陷反复引发投诉" in chinese and "流程缺陷反复引发投诉" in english
