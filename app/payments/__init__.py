"""Getting paid: payment connections, transactions matched to orders, review, reconciliation."""
