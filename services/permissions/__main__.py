"""`python -m services.permissions --markdown` prints the permission table; `--docs` rewrites
the copy in docs/permissions.md (between its markers)."""

from __future__ import annotations

import sys

from services.permissions import report


def main(argv: list[str]) -> int:
    if argv == ["--docs"]:
        report.DOC.write_text(report.in_doc(report.DOC.read_text(encoding="utf-8")), "utf-8")
        print(f"wrote {report.DOC}")
        return 0
    if argv in ([], ["--markdown"]):
        print(report.markdown(report.functions_by_use_case()), end="")
        return 0
    print("usage: python -m services.permissions [--markdown | --docs]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
