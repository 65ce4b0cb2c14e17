"""Export job URLs (their rows are exercised in test_exports.py: only the admin who asked)."""

URL_NAMES = {"export_detail", "export_progress", "export_download"}
