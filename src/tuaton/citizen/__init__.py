"""A citizen's self-service: sign-in history, consents, devices, and what Tuaton holds about them."""
