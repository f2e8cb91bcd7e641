"""Payment sources: bank-transfer webhooks (SePay, Casso, payOS) and payOS payment links.

Issue 20; see docs/payments.md."""
