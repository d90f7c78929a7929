"""A change made in the console reaches the API without a restart (R-12 through GraphQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from graphql_schema.app import create_app
from services.staff.models import Role
from services.staff.service import issue_token
from services.thresholds import service as thresholds
from services.thresholds.models import ThresholdVersion
from tests import factories as f
from tests.admin_ui.conftest import Console

PREVIEW = """query($input: RefundPolicyPreviewInput!) { refundPolicyPreview(input: $input) {
  __typename ... on RefundPolicyDecision { band branchApprover serviceCentreApprover } } }"""
SAMPLE = {
    "liability": "COMPANY_LIABLE",
    "chargeCategory": "SERVICE_UNUSABLE",
    "businessType": "SELF_OPERATED",
    "chargedFen": 15000,
    "shouldHaveChargedFen": 0,
    "vip": False,
    "tenureDays": 10,
}


@pytest.fixture
async def app_http() -> AsyncIterator[httpx.AsyncClient]:
    """The whole API app: GraphQL at /graphql and the console at /admin, as deployed."""
    transport = httpx.ASGITransport(app=create_app(with_lifespan=False))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
        yield http


async def approver_of_150_yuan(http: httpx.AsyncClient, token: str) -> dict[str, object]:
    response = await http.post(
        "/graphql",
        json={"query": PREVIEW, "variables": {"input": SAMPLE}},
        headers={"Authorization": f"Bearer {token}"},
    )
    data: dict[str, object] = response.json()["data"]["refundPolicyPreview"]
    return data


async def test_r12_band_changed_in_the_console_is_what_refund_policy_preview_answers(
    app_http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
):
    handler = await f.staff(Role.HANDLER)
    token = issue_token(handler)
    before = await approver_of_150_yuan(app_http, token)
    console = await Console(app_http).sign_in(await f.staff(Role.ADMIN))

    saved = await console.post(
        "/admin/config/bands",
        {
            "band0": "20",
            "liable_1": "100",
            "liable_2": "500",
            "liable_3": "1000",
            "not_liable_1": "100",
            "not_liable_2": "300",
            "not_liable_3": "500",
            "reason": "试行新标准",
            "action": "save",
        },
    )
    after = await approver_of_150_yuan(app_http, token)

    assert saved.status_code == 303
    assert before == {
        "__typename": "RefundPolicyDecision",
        "band": 1,
        "branchApprover": "STORE_MANAGER",
        "serviceCentreApprover": "WORK_ORDER_TEAM_LEAD_OR_SUPPORT_OFFICER",
    }
    assert after == {
        "__typename": "RefundPolicyDecision",
        "band": 2,
        "branchApprover": "COUNTY_SERVICE_SUPERVISOR",
        "serviceCentreApprover": "COMPLAINT_SUPERVISOR",
    }


async def test_a_version_written_by_another_process_is_seen_once_the_cache_window_passes(
    app_http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
):
    token = issue_token(await f.staff(Role.HANDLER))
    assert (await approver_of_150_yuan(app_http, token))["band"] == 1
    # another process (another API worker, the console elsewhere) stores a version directly
    await ThresholdVersion.create(
        key="refund.approval_bands",
        version=1,
        value={
            "band0_max_fen": 2000,
            "liable_max_fen": [10000, 50000, 100000],
            "not_liable_max_fen": [10000, 30000, 50000],
        },
        reason="elsewhere",
    )
    monkeypatch.setattr(thresholds, "CACHE_SECONDS", 0.0)  # the 3 s window has passed

    assert (await approver_of_150_yuan(app_http, token))["band"] == 2
