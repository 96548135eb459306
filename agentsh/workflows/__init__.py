"""Workflow files: their schema, loader (hot reload), checker, expression language, templates and runner."""
