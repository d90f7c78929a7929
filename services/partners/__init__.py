"""Partner content providers (SPs): accounts, API keys, disputes, webhooks (R-2)."""
