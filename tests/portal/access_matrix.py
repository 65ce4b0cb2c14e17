"""Export job URLs (their rows are exercised in test_exports.py: only the admin who asked)."""

URL_NAMES = {"portal:export_detail", "portal:export_progress", "portal:export_download"}
