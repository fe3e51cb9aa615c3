"""aiwatch: US AI leaders against their Chinese rivals, in the terminal."""

__version__ = "0.1.0"
