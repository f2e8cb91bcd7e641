"""Livestream comment sources: read viewers' comments while the stream runs (issue 19)."""
