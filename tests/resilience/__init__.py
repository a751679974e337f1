"""Resilience suite: attacks and faults against real servers on loopback (see conftest.py)."""
