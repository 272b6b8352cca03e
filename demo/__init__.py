"""Demo data (`manage.py seed_demo`): see `demo.builder`."""
