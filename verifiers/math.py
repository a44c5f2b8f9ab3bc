"""Placeholder replaced by the math verifier."""
