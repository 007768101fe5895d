"""The Adobe I/O gateway in front of every Platform API: token, API key, org and sandbox headers."""

from .checks import Caller, Gateway

__all__ = ["Caller", "Gateway"]
