"""What the portals share: signing in to them with Tuaton itself, sessions, CSRF and charts."""
