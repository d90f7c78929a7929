"""S-1/S-2 libraries as versioned content: edits are new versions (who, when, why), checked
before anything is written, restorable, and live in every process within 3 s."""

from __future__ import annotations

import asyncio
import time

import pytest

from services.assist import library
from services.assist import service as assist
from services.assist.models import AssistVersion, LibraryKind
from services.errors import InvalidInput, PermissionDenied
from services.staff.models import Role
from tests import factories as f


async def test_s2_suggestions_come_with_the_scenarios_script():
    handler = await f.staff(Role.HANDLER)
    found = await assist.suggest(actor=handler, text="叫你们经理出来，我不跟你说")
    top = found.scenarios[0]
    assert top.scenario.code == "DEMANDS_MANAGER"
    assert top.scenario.examples == (
        "不好意思，刘小姐，如果您希望得到更全面的解释，我可以帮到您！",
    )
    assert top.scenario.version == 1


async def test_s2_a_too_long_text_is_refused_before_anything_runs():
    handler = await f.staff(Role.HANDLER)
    with pytest.raises(InvalidInput) as refused:
        await assist.suggest(actor=handler, text="气" * 4001)
    assert refused.value.field == "text"


async def test_s2_an_admins_keyword_edit_is_a_new_version_and_is_used_at_once():
    admin = await f.staff(Role.ADMIN)
    handler = await f.staff(Role.HANDLER)
    assert (await assist.suggest(actor=handler, text="携转")).scenarios == []
    text = (await library.current()).keywords_text + "\n携转 | HARDLINE:5 | service_handling:4 |"
    row = await assist.save_keywords(actor=admin, text=text, reason="客户常说“携转”")
    assert (row.version, row.changed_by_id, row.reason) == (2, admin.id, "客户常说“携转”")
    found = await assist.suggest(actor=handler, text="再不解决我就携转")
    assert found.scenarios[0].scenario.code == "HARDLINE"
    assert found.scenarios[0].matched == ["携转"]


async def test_s2_a_keyword_text_with_a_bad_line_stores_nothing_and_names_every_line():
    admin = await f.staff(Role.ADMIN)
    text = "老客户 | EMOTIONAL:4 | |\n没订 | NOPE:2 | |\n砸了 | PROPERTY_DAMAGE:12 | |"
    with pytest.raises(InvalidInput) as refused:
        await assist.save_keywords(actor=admin, text=text, reason="试")
    assert [p.message[:3] for p in refused.value.problems] == ["第2行", "第3行"]
    assert await AssistVersion.all().count() == 0


async def test_s2_only_an_admin_edits_the_libraries():
    handler = await f.staff(Role.HANDLER)
    with pytest.raises(PermissionDenied):
        await assist.save_keywords(actor=handler, text="没订 | RATIONAL:2 | |", reason="x")


async def test_s1_a_scenario_edit_is_versioned_and_restorable_to_the_shipped_text():
    admin = await f.staff(Role.ADMIN)
    shipped = (await library.current()).scenarios["SERIAL_COMPLAINER"]
    value = {
        "title": shipped.title,
        "situation": shipped.situation,
        "measure": shipped.measure,
        "examples": ["刘小姐，我已经将您的事情记下来了，我们在24小时内给您回复！"],
        "escalation": [],
    }
    await assist.save_scenario(
        actor=admin, code="SERIAL_COMPLAINER", value=value, reason="时限改为24小时"
    )
    now = (await library.current()).scenarios["SERIAL_COMPLAINER"]
    assert (now.version, now.examples[0][-13:]) == (2, "我们在24小时内给您回复！")
    await assist.restore_version(
        actor=admin, kind=LibraryKind.SCENARIO, key="SERIAL_COMPLAINER", version=1, reason="恢复"
    )
    restored = (await library.current()).scenarios["SERIAL_COMPLAINER"]
    assert restored.version == 3 and restored.examples == shipped.examples
    versions = await assist.history(LibraryKind.SCENARIO, "SERIAL_COMPLAINER")
    assert [(v.version, v.reason) for v in versions] == [(3, "恢复"), (2, "时限改为24小时")]


async def test_s1_a_scenario_without_example_wording_is_refused():
    admin = await f.staff(Role.ADMIN)
    value = {"title": "x", "situation": "x", "measure": "x", "examples": [], "escalation": []}
    with pytest.raises(InvalidInput) as refused:
        await assist.save_scenario(actor=admin, code="RATIONAL", value=value, reason="x")
    assert refused.value.field == "examples"


async def test_s2_an_edit_in_another_process_is_seen_within_3_seconds():
    """Another process's edit is a row this process did not write: the cache notices it."""
    handler = await f.staff(Role.HANDLER)
    admin = await f.staff(Role.ADMIN)
    await library.current()  # cached now
    text = library.KEYWORDS.strip("\n") + "\n携转 | HARDLINE:5 | |"
    await AssistVersion.create(
        kind=LibraryKind.KEYWORDS,
        key="library",
        version=2,
        value={"text": text},
        reason="另一进程",
        changed_by_id=admin.id,
    )
    started = time.monotonic()
    while not (await assist.suggest(actor=handler, text="我就携转")).scenarios:
        assert time.monotonic() - started < library.CACHE_SECONDS + 0.5
        await asyncio.sleep(0.2)
