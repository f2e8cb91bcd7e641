"""Carrier adapters (GHN, GHTK, Viettel Post, Vietnam Post): quotes, bookings, labels,
cancellation and parcel statuses; see ``integrations.carriers.base``."""
