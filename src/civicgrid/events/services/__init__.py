"""Writes of the incident loop, by topic: intake, the loop's steps, escalation, deadlines."""
