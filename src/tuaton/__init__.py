"""Tuaton (ตัวตน): an open national digital-ID platform."""

__version__ = "0.1.0"
