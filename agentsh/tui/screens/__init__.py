"""Screens pushed over the main one: approvals, sessions."""
