"""The planner's version (shown in the app, stamped into the bundle)."""

__version__ = "0.1.0"
APP_NAME = "Funnel Planner"
