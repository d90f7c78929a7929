"""Write the SDL to graphql_schema/schema.graphql: `python -m graphql_schema.export`."""

from __future__ import annotations

import os
from pathlib import Path

# a developer's tool that never serves: it needs no SECRET_KEY (ENV defaults to production)
os.environ.setdefault("ENV", "dev")

from strawberry.printer import print_schema

from graphql_schema.schema import schema

SDL_PATH = Path(__file__).with_name("schema.graphql")


def sdl() -> str:
    return print_schema(schema) + "\n"


def main() -> None:
    SDL_PATH.write_text(sdl(), encoding="utf-8")
    print(f"wrote {SDL_PATH}")


if __name__ == "__main__":
    main()
