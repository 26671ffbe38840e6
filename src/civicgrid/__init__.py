"""CivicGrid: grid-based grassroots governance and livelihood protection."""
