"""Write the partner SDL: `python -m graphql_schema.partners.export`."""

from __future__ import annotations

from pathlib import Path

from strawberry.printer import print_schema

from graphql_schema.partners.schema import schema

SDL_PATH = Path(__file__).with_name("schema.graphql")


def sdl() -> str:
    return print_schema(schema) + "\n"


def main() -> None:
    SDL_PATH.write_text(sdl(), encoding="utf-8")
    print(f"wrote {SDL_PATH}")


if __name__ == "__main__":
    main()
