"""puq-hestia: the HestiaCP API client and the product's FTP rules (no Flask here)."""

__version__ = "0.1.0"
