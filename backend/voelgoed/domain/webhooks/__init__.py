"""Outgoing webhooks (issue #14): endpoints per organisation, an outbox written in the same
transaction as the change it reports, deliveries signed the Standard Webhooks way (docs/webhooks.md)."""
