"""Isolated execution of untrusted code (the code domain builds this out; empty for now)."""
