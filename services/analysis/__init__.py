"""Monthly analysis (C-11): root causes as data, the month's KPIs, and the rectification of
problems that keep causing complaints (A-3)."""
