"""Shipping: carrier accounts, parcels booked from orders, labels, tracking and COD."""
