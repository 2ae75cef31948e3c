"""The human part of sign-in: QR transactions, approval in the app, live status to the browser."""
