"""The calculation: funnel passes, lead spec, engine, and every figure shown (figures)."""
