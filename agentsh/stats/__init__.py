"""Usage over time from the store: periods in the user's time zone, reports as charts, tables, JSON or CSV."""
