"""Complaint refunds (投诉退费): the rules R-1..R-14 and the special-customer list K-1..K-4."""
