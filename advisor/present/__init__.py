"""Presentation: Rich tables and renderables for the CLI and the TUI alike (never the core)."""
