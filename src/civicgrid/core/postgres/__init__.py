"""Django's PostgreSQL backend, taught the limit that server-side parameters bring."""
