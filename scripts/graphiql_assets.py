"""Copy GraphiQL's files from the npm registry into graphql_schema/graphiql/static/.

    python scripts/graphiql_assets.py          # fetch (npm pack), check, copy
    python scripts/graphiql_assets.py --check  # only check the committed files

Each file must have the SHA-384 in `graphql_schema.graphiql.ASSETS` (the values strawberry's
own page pins); a mismatch stops it and copies nothing. Needs `npm` (Debian's) for a fetch.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graphql_schema.graphiql import ASSETS, STATIC  # noqa: E402


def sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def check() -> list[str]:
    return [
        name
        for name, (_, _, expected) in ASSETS.items()
        if not (STATIC / name).exists() or sri((STATIC / name).read_bytes()) != expected
    ]


def fetch() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files: dict[str, bytes] = {}
        for package in sorted({package for package, _, _ in ASSETS.values()}):
            out = subprocess.run(
                ["npm", "pack", "--silent", package], cwd=tmp, check=True, capture_output=True
            )
            with tarfile.open(Path(tmp) / out.stdout.decode().strip().splitlines()[-1]) as tar:
                for name, (owner, inside, expected) in ASSETS.items():
                    if owner == package:
                        member = tar.extractfile(f"package/{inside}")
                        assert member is not None
                        files[name] = member.read()
                        if sri(files[name]) != expected:
                            raise SystemExit(f"{package}/{inside}: not the expected file")
        STATIC.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (STATIC / name).write_bytes(data)
    shutil.rmtree(ROOT / "graphql_schema" / "graphiql" / "__pycache__", ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:] != ["--check"]:
        fetch()
    bad = check()
    print("GraphiQL files: " + (f"wrong or missing: {', '.join(bad)}" if bad else "all checked"))
    sys.exit(1 if bad else 0)
