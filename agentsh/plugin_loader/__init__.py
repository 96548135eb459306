"""The plugin loader: where tool plugins come from, trust, hot reload, event hooks (`on`)."""
