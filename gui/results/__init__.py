"""The results side of the planner: dashboard, charts, "Why this number?"
and the scenario comparison."""
