"""Face verification, liveness and fingerprint matching; models come from installed packages only."""
