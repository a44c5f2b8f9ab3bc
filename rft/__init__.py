"""rft: verifier-driven reinforcement fine-tuning (ReFT) of language models.

Importing `rft` is cheap (no torch): verifier worker processes import `rft.verifiers` only.
"""
__version__ = "0.1.0"
