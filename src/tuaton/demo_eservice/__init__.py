"""A small example e-Service that signs in with Tuaton through an ordinary OIDC library (Authlib)."""
