"""C-12 in the console: its readers (auditors, admins) handle no complaint, so a number typed
into a finding's note, a dismissal's reason or a correction's texts is masked on every audit
page and in the summary's CSV export, as it is in the refund's own texts."""

from __future__ import annotations

from services.audit.models import AuditFinding, CorrectionTask
from services.refunds import clock
from services.staff.models import Role
from tests import factories as f
from tests.admin_ui.conftest import Console

TYPED = {
    "13800138000": "138****8000",
    "13900139000": "139****9000",
    "13700137000": "137****7000",
    "13600136000": "136****6000",
    "13500135000": "135-****-5000",
}


async def test_c12_numbers_typed_into_audit_texts_are_masked_on_every_page_and_the_csv(
    auditor: Console,
):
    handler = await f.staff(Role.HANDLER)
    refund = await f.executed_refund(handler, await f.refund(handler))
    findings = f"/admin/audit/refunds/{refund.id}/findings"
    await auditor.post(findings, {"rule": "R-13", "note": "客户 13800138000 投诉执行超时"})
    await auditor.post(findings, {"rule": "R-12", "note": "另一个问题"})
    dismissed = await AuditFinding.get(rule="R-12")
    await auditor.post(
        f"/admin/audit/findings/{dismissed.id}/dismiss", {"reason": "客户 13900139000 已同意"}
    )
    task = await CorrectionTask.get(finding__rule="R-13")
    await auditor.post(
        f"/admin/audit/corrections/{task.id}",
        {
            "cause": "未回拨 13700137000",
            "plan": "核对 13600136000 的工单",
            "resolution": "已联系 135-0013-5000",
        },
    )
    month = clock.local_date(clock.now()).strftime("%Y-%m")

    pages = {
        path: (await auditor.get(path)).text
        for path in (
            "/admin/audit?status=all",
            f"/admin/audit/refunds/{refund.id}",
            "/admin/audit/corrections?status=done",
            f"/admin/audit/summary?month={month}",
            f"/admin/audit/summary.csv?month={month}",
        )
    }

    shown = {path: [n for n in TYPED if n in text] for path, text in pages.items()}
    assert shown == {path: [] for path in pages}
    everything = "".join(pages.values())
    assert [m for m in TYPED.values() if m not in everything] == []
    assert "客户 138****8000 投诉执行超时" in pages[f"/admin/audit/refunds/{refund.id}"]
    assert "核对 136****6000 的工单" in pages["/admin/audit/corrections?status=done"]
    assert "135-0013-5000" not in everything
