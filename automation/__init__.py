"""Shared steps behind `tasks.py`: plain functions the invoke tasks compose (and tests call)."""
