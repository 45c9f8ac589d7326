"""counterscan's core: everything that can be computed and tested without a broker."""

__version__ = "0.1.0"
