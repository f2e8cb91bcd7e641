"""Short video tooling: probe, analyse (OpenCV), compile edit recipes to ffmpeg.

A plain library: no Flask, no database, no imports from `app`.
"""
