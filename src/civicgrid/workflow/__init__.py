"""The shared case engine: declared states and transitions, deadlines, timeline."""
