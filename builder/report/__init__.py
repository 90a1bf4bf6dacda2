"""Reports written from the loaded sources (competency coverage)."""
