"""Buyer messages: a club's Zalo and Messenger connections, its ZNS templates, what each order
event tells the buyer, the messages sent (a job each) and the channels' webhooks."""
