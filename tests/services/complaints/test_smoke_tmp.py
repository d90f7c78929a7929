from services.complaints import service
from tests import factories as f

async def test_create_and_ack():
    h = await f.staff()
    c = await f.complaint(h)
    c2 = await service.acknowledge(actor=h, complaint_id=c.id)
    assert c2.status == "acknowledged"
