"""The notifier: an outbox of e-mails and SMS, and the adapters that deliver them."""
