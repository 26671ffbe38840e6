"""The command centre's tables (rollups of the incident loop live here)."""
