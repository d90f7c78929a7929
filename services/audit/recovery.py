"""R-11, A-1: a refund-first refund paid before its verification found less (or nothing) due.

The money already moved, so the refund is not reversed here: the difference is opened as an
automatic audit finding, with its correction task for the requester (A-2), so that someone
recovers it. One finding per refund (a refund is verified once).
"""

from __future__ import annotations

from services.audit.models import AuditFinding, FindingSource
from services.audit.service import _create_finding
from services.refunds.models import Refund

RULE = "R-11"
CODE = "recover_after_verification"


async def open_recovery(refund: Refund, *, due_fen: int) -> AuditFinding | None:
    """Inside the caller's transaction: what was paid beyond what is due, to recover."""
    recover_fen = refund.refund_fen - due_fen
    if recover_fen <= 0:
        return None
    known = await AuditFinding.get_or_none(refund_id=refund.id, code=CODE)
    if known is not None:
        return known
    return await _create_finding(
        refund,
        rule=RULE,
        code=CODE,
        params={"paid_fen": refund.refund_fen, "due_fen": due_fen, "recover_fen": recover_fen},
        source=FindingSource.AUTOMATIC,
        responsible_id=refund.requested_by_id,
        note=refund.verification_cause,
    )
