"""Development tooling: demo data (`seed_demo`) and the benchmark (`bench`, `bench_session`).

The top layer: it may import every app, and no app imports it. Installed when the DEVTOOLS
setting is on (development and CI); production leaves it out.
"""
