"""Shipping: carrier accounts, parcels booked for orders, their labels, tracking and COD."""
