"""Who may do what (C-2, C-12, R-12, A-1): one table of use cases, the facts it rests on, and
the guard every use case passes first. `table` and `facts` are pure; `guard` loads the facts."""
