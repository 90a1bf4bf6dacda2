"""coursepack: compile Markdown courses into Moodle backups, SCORM packages and reports."""

__version__ = "0.1.0"
