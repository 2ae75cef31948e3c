"""The OpenID Provider: protocol rules as plain functions, endpoints thin."""
