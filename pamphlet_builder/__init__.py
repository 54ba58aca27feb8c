"""Builds HEP's print materials: content + templates + styles in, PDFs out."""

__version__ = "0.1.0"
