"""Quizzes and question banks: the Markdown question format, its checks, and the compiled model."""
