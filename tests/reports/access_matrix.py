"""Statistics URLs; each is exercised per role in test_dashboard.py."""

URL_NAMES = {
    "reports:index",
    "reports:dashboard",
    "reports:download",
    "reports:rebuild",
    "reports:build",
}
