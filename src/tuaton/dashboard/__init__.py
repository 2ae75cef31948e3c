"""The operators' console: national dashboard, keys, officers and audit search."""
