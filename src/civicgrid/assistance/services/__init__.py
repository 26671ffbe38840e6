"""Writes of social assistance, one module per stage of the work."""
