"""Handler assist in the API (S-1 … S-3): suggestions, the scenario library, the wording check."""
