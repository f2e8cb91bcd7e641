"""Livestream sales metrics as pandas functions over DataFrames.

A plain library: no Flask and no imports from `app`.
"""
