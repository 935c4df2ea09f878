"""secops: security-operations monitoring daemon for e-government networks."""

__version__ = "0.1.0"
