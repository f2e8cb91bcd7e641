"""Shipping: booking parcels against rate-limited carrier sandboxes, and the label sheet."""
