"""Digital identities, the devices bound to them, passcodes and lockout."""
