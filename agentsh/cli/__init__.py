"""The command-line front doors: argument handling and printing only. `main` is the console script."""

from .main import main

__all__ = ["main"]
