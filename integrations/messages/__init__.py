"""Buyer messages: order news sent to buyers on Zalo (ZNS, Official Account) and Messenger
(issue 20)."""
