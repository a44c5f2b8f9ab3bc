"""Entry point of the sympy worker process (see symbolic.py); not meant to be imported."""
from rft.verifiers.math.symbolic import _serve

if __name__ == "__main__":
    _serve()
