"""The partner API: a separate schema at /partner/graphql, authenticated by API key."""
