"""Adobe Schema Registry, the read side the streaming dataflow needs: list tenant schemas, look one up resolved."""

from .models import TENANT_ID, SchemaRegistry
from .urls import PREFIX, service

__all__ = ["PREFIX", "TENANT_ID", "SchemaRegistry", "service"]
