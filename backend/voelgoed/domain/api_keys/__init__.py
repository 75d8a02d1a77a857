"""API keys: an organisation's keys for its integrations (docs/api-keys.md). Authentication with
a key happens in auth/api_key.py; this area creates, lists and revokes them."""
