"""R-12's approval bands live in services/approval_bands.py, below every package, so that the
permission table (who may approve) reads them without importing the refunds package; this
module keeps the names where the refunds code has always imported them."""

from services.approval_bands import *  # noqa: F403
