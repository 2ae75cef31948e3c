"""Agencies (relying parties): applications to use Tuaton, their review, credentials and usage."""
