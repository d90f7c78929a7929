"""docs/permissions.md shows the permission table of the code (C-2, C-12, R-12, A-1)."""

from __future__ import annotations

from services.permissions import __main__ as cli
from services.permissions import report
from services.permissions.table import TABLE, UseCase
from tests.services.test_permission_matrix import ACTORS, EXPECTED


def test_c12_r12_the_docs_show_the_permission_table_of_the_code():
    text = report.DOC.read_text(encoding="utf-8")

    assert report.in_doc(text) == text, (
        "docs/permissions.md differs from services/permissions: "
        "run `ENV=dev .venv/bin/python -m services.permissions --docs`"
    )
    assert "| `verify_refund` | a refund | the complaint's owner or a lead" in text
    assert all(f"| `{use.value}` |" in text for use in UseCase)


def test_c12_r12_the_docs_example_matches_what_the_matrix_test_runs():
    """The ✓ columns are the pure rules on one example; the matrix test runs every use case
    against the database as the same eight actors: they agree on every row."""
    assert list(report.ACTORS) == list(ACTORS)
    shown = {use: report.who_may(use) for use in TABLE}

    assert {use: names for use, names in shown.items() if names != EXPECTED[use]} == {}


def test_the_permission_cli_prints_the_table_and_refuses_other_arguments(capsys):
    assert cli.main(["--markdown"]) == 0
    printed = capsys.readouterr().out
    assert cli.main(["--nonsense"]) == 2

    assert printed.startswith("| use case | acts on | who may |")
    assert "`refunds.changes.verify_refund`" in printed
