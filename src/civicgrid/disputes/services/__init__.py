"""Writes of the dispute app, by topic."""
