"""Plugin directories: loading, hot reload, isolation."""
