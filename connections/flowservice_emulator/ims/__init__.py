"""Adobe IMS: the OAuth Server-to-Server token endpoint."""

from .models import DEFAULT_SCOPES, Ims
from .urls import TOKEN_PATH, service

__all__ = ["DEFAULT_SCOPES", "TOKEN_PATH", "Ims", "service"]
