"""Checks of what the text says (as opposed to whether it builds)."""
