"""The demo directory, its tour and its partner accounts (manage.py load_demo)."""
