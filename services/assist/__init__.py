"""Handler assist (S-1 … S-3): scenario scripts, the keyword library and the wording check."""
