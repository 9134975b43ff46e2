"""Qt models over the document's plan (one per table of the planner)."""
