"""Builders of the synthetic demo ledgers that scripts/make_demo_data.py writes into data/."""
