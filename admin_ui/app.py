"""PLACEHOLDER: replaced by the admin console work."""

from starlette.applications import Starlette


def create_admin() -> Starlette:
    return Starlette()
