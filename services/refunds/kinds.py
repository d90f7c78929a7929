"""The refund rules' kinds and checks (R-2 … R-6) live in services/refund_kinds.py, below every
package, so that the permission table can read them without importing the refunds package;
this module keeps the names where the refunds code has always imported them."""

from services.refund_kinds import *  # noqa: F403
