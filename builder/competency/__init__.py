"""Competency frameworks, rubrics, competency links and coverage."""
