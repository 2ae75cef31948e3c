"""Agencies as organisations: members, proof of authority (central e-mail, permission letter), officials."""
