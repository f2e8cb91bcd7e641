"""OCOP livestream commerce toolkit: the Flask application (see app.factory)."""
