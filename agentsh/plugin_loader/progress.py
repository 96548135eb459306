"""What a plugin load is busy with, for a UI to show (a module of its own: the app imports it before its first paint)."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

# Told the name of each plugin file as its import begins. A context variable: set by a UI around the
# thread that opens the session, it reaches only that opening.
IMPORT_REPORTER: ContextVar[Callable[[str], None] | None] = ContextVar("plugin_import_reporter", default=None)
