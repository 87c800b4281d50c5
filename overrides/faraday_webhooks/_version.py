"""The package version: the one place it is written (wheel, __version__ and User-Agent read it)."""

__version__ = "0.2.1"
