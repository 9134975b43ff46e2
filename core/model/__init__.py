"""The plan and its rules: domain objects, validation, plan edits."""
