"""Bundled plugins. agentsh loads each file by path, like any user plugin; this package only ships them."""
