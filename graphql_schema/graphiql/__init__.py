"""GraphiQL served by the app itself: no CDN, so it works on an intranet with no way out.

Strawberry's own page loads React and GraphiQL from a CDN; an operator's network (and a test
machine) cannot reach it, and the page stays a blank "Loading…". Here the same versions are
served from `static/` (copied from the npm registry by `scripts/graphiql_assets.py`, each file
checked against the SHA-384 below, the ones strawberry's page pins), and the page is ours:

- the editor opens on a `login` mutation and a first query, with an `Authorization` header in
  the headers editor; running the login puts its token into that header by itself;
- only dev serves it (`ENV=dev`, as `make run` sets): production has neither GraphiQL nor
  introspection.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from starlette.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"
STATIC_URL = "/graphiql/static"

# file: (npm package, path inside it, SHA-384 as a subresource-integrity value)
ASSETS: dict[str, tuple[str, str, str]] = {
    "react.production.min.js": (
        "react@18.2.0",
        "umd/react.production.min.js",
        "sha384-tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8",
    ),
    "react-dom.production.min.js": (
        "react-dom@18.2.0",
        "umd/react-dom.production.min.js",
        "sha384-bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh",
    ),
    "graphiql.min.js": (
        "graphiql@3.8.3",
        "graphiql.min.js",
        "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
    ),
    "graphiql.min.css": (
        "graphiql@3.8.3",
        "graphiql.min.css",
        "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
    ),
    "plugin-explorer.umd.js": (
        "@graphiql/plugin-explorer@1.0.2",
        "dist/index.umd.js",
        "sha384-2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9",
    ),
    "plugin-explorer.css": (
        "@graphiql/plugin-explorer@1.0.2",
        "dist/style.css",
        "sha384-5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi",
    ),
}

STAFF_QUERY = """\
# Tousu GraphiQL (dev).
# 1. Run "Login" (▶, then pick it): its token goes
#    into the Authorization header by itself.
# 2. Run "Queue".
# Demo logins (password tousu-demo): handler, handler2,
# lead, supervisor, manager, deputy, auditor, admin.
mutation Login {
  login(username: "handler", password: "tousu-demo") {
    __typename
    ... on LoginSuccess { token expiresAt staff { displayName roles } }
    ... on Error { code message }
  }
}

query Queue {
  complaints(first: 5, orderBy: DUE_SOONEST) {
    totalCount
    edges { node { id status category customer { name msisdn } } }
  }
}
"""
STAFF_HEADERS = {"Authorization": "Bearer (run Login: its token goes here)"}

PARTNER_QUERY = """\
# Tousu partner API (dev): your API key goes into the Authorization header below
# (`python -m services.partners.cli issue-key <SP code>` prints one; docs/partners.md).
query Me {
  me { spCode name }
  disputes(first: 5) { edges { node { id status } } }
}
"""
PARTNER_HEADERS = {"Authorization": "Bearer (your API key)"}


def integrity(name: str) -> str:
    return ASSETS[name][2]


def page(*, title: str, query: str, headers: dict[str, str]) -> str:
    """The GraphiQL page: assets from STATIC_URL (with their integrity), our prefill."""
    config = {"query": query, "headers": json.dumps(headers, indent=2)}
    out = (Path(__file__).parent / "page.html").read_text()
    out = out.replace("{{ title }}", html.escape(title)).replace("{{ static }}", STATIC_URL)
    out = out.replace("{{ config }}", json.dumps(config).replace("</", "<\\/"))
    for name in ASSETS:
        out = out.replace(f"{{{{ integrity {name} }}}}", integrity(name))
    return out


class OfflineGraphiQL:
    """Mixin for a strawberry view: its GraphiQL page is ours (see the module's docstring)."""

    graphiql_title = "Tousu GraphiQL"
    graphiql_query = STAFF_QUERY
    graphiql_headers: dict[str, str] = STAFF_HEADERS

    @property
    def graphql_ide_html(self) -> str:
        return page(
            title=self.graphiql_title, query=self.graphiql_query, headers=self.graphiql_headers
        )


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC)
