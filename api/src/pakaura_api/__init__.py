"""Pakaura API: auth, tasks, conversations and a chat assistant that manages tasks."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pakaura-api")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"
