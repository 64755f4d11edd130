"""The periodic jobs of chatdesk serve (filled in by the architecture work)."""
