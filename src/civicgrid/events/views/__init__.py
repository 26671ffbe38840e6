"""Pages of the incident loop: field reporting (phone), the desk's pages, citizen tracking."""
