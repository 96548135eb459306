"""No garbage collection while the app starts.

Start-up (Textual, pydantic models, the core, the newest page) allocates over a hundred
thousand objects that live as long as the app; the full collections they trigger scan
them all and add ~10% to the time until a resumed session is on screen. Once it is, they
are frozen (gc.freeze: never scanned again, so later collections on the UI thread are
cheaper too) and collection resumes. The few cycles of start-up garbage stay uncollected.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Freeze what start-up built and collect again (only if `pause` turned collection off)."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
