"""Filling a database with made-up data: the demo organisation (`flask seed-demo`) and the
benchmark's large one (`flask seed-scale`).

Not part of the app: only the CLI commands (imported inside them), the bench and the tests
load this package; no module the app imports may import it (tests/test_seeding.py).
"""
