"""The reference citizen app as a library: what a phone does, scriptable (``tuaton app ...``)."""
