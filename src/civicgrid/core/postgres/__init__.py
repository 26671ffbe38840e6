"""Django's PostgreSQL backend with prepared statements (see `base`)."""
