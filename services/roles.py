"""The staff roles, below every package: the permission table (services.permissions) decides by
them without importing the staff package; services.staff.models keeps the name too."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    HANDLER = "handler"
    TEAM_LEAD = "team_lead"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    DEPUTY_GM = "deputy_gm"
    AUDITOR = "auditor"
    ADMIN = "admin"
