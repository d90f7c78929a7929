"""C-12 in full through the API: what each actor sees of one complaint and its customer.

The customer's number, name, the complaint's free texts (summary, details, request, notes) and
its location are private: only those the permission table entitles (the owner, the first
handler, a lead of its department) see them; numbers typed into any other text are masked too.
"""

from __future__ import annotations

from services.complaints import service as complaints
from services.customers.models import Customer
from services.phones import mask, mask_in_text
from services.privacy import HIDDEN, mask_name
from services.staff.models import Role
from tests import factories as f

SEEN = """query($id: ID!) { complaint(id: $id) {
  phoneVisible contactName contactPhone summary details customerRequest location plan
  customer { name msisdn riskProfile { special } }
  history { field fromValue toValue reason }
  tasks { title } } }"""
TYPED = "+86 139-1234-5678"


async def _world() -> dict:
    a, b = await f.department("A"), await f.department("B")
    first = await f.staff(Role.HANDLER, dept=a)
    people = {
        "first_handler": first,
        "owner": await f.staff(Role.HANDLER, dept=a),
        "lead": await f.staff(Role.TEAM_LEAD, dept=a),
        "other_handler": await f.staff(Role.HANDLER, dept=b),
        "approver": await f.staff(Role.DEPUTY_GM, dept=b),
        "auditor": await f.staff(Role.AUDITOR),
        "admin": await f.staff(Role.ADMIN),
    }
    customer = await f.customer(name="王小明")
    complaint = await f.complaint(
        first,
        customer,
        contact_name="王小明",
        summary=f"宽带断网三天，请回拨 {TYPED}",
        details="住在幸福小区 3 栋",
        customer_request="赔偿并尽快修复",
        location="幸福路 8 号营业厅",
    )
    await complaints.assign(
        actor=first,
        complaint_id=complaint.id,
        owner_id=people["owner"].id,
        reason=f"交给装维，客户说可打 {TYPED}",
    )
    await complaints.acknowledge(actor=people["owner"], complaint_id=complaint.id)
    await complaints.start_investigation(actor=people["owner"], complaint_id=complaint.id)
    await complaints.propose_plan(
        actor=people["owner"], complaint_id=complaint.id, plan=f"上门检修后回电 {TYPED}"
    )
    return {"people": people, "customer": customer, "complaint": complaint}


async def test_c12_what_each_actor_sees_of_one_complaint(gql):
    w = await _world()
    customer: Customer = w["customer"]
    entitled = {"owner", "first_handler", "lead"}

    for name, staff in w["people"].items():
        data = await gql.data(SEEN, {"id": str(w["complaint"].id)}, as_=staff)
        seen = data["complaint"]
        if name in entitled:
            assert seen["phoneVisible"] is True, name
            assert seen["contactName"] == "王小明" and seen["customer"]["name"] == "王小明"
            assert seen["customer"]["msisdn"] == customer.msisdn
            assert TYPED in seen["summary"] and seen["details"] == "住在幸福小区 3 栋"
            assert seen["plan"] == f"上门检修后回电 {TYPED}"
            assert seen["customer"]["riskProfile"] == {"special": False}
        else:
            assert seen["phoneVisible"] is False, name
            assert seen["contactName"] == mask_name("王小明") == "王**"
            assert seen["customer"]["name"] == "王**"
            assert seen["customer"]["msisdn"] == mask(customer.msisdn)
            assert seen["contactPhone"] == mask(customer.msisdn)
            for private in ("summary", "details", "customerRequest", "location"):
                assert seen[private] == HIDDEN, (name, private)
            assert seen["plan"] == "上门检修后回电 +86 139-****-5678"  # the number typed in it
            handover = next(h for h in seen["history"] if "交给装维" in h["reason"])
            assert TYPED not in handover["reason"] and mask_in_text(TYPED) in handover["reason"]
            assert all(TYPED not in str(h) for h in seen["history"])
            risk = seen["customer"]["riskProfile"]
            assert risk == ({"special": False} if name in ("auditor", "admin") else None), name


async def test_c12_lookup_by_another_departments_handler_shows_the_number_not_the_name(
    gql,
):
    w = await _world()
    customer = w["customer"]
    query = "query($m: String!) { customer(msisdn: $m) { name msisdn phoneVisible } }"

    stranger = await gql.data(query, {"m": customer.msisdn}, as_=w["people"]["other_handler"])
    owner = await gql.data(query, {"m": customer.msisdn}, as_=w["people"]["owner"])
    auditor = await gql.data(query, {"m": customer.msisdn}, as_=w["people"]["auditor"])

    assert stranger["customer"] == {"name": "王**", "msisdn": customer.msisdn, "phoneVisible": True}
    assert owner["customer"] == {"name": "王小明", "msisdn": customer.msisdn, "phoneVisible": True}
    assert auditor["customer"] == {
        "name": "王**",
        "msisdn": mask(customer.msisdn),
        "phoneVisible": False,
    }


async def test_c12_history_of_a_private_field_is_hidden_from_others(gql):
    w = await _world()
    query = """query($id: ID!) { complaint(id: $id) { history { field toValue } } }"""
    mine = await gql.data(query, {"id": str(w["complaint"].id)}, as_=w["people"]["owner"])
    theirs = await gql.data(query, {"id": str(w["complaint"].id)}, as_=w["people"]["approver"])

    plan_mine = next(h for h in mine["complaint"]["history"] if h["field"] == "plan")
    plan_theirs = next(h for h in theirs["complaint"]["history"] if h["field"] == "plan")
    assert plan_mine["toValue"] == f"上门检修后回电 {TYPED}"
    assert plan_theirs["toValue"] == "上门检修后回电 +86 139-****-5678"
