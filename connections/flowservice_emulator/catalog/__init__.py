"""Adobe Catalog Service, the datasets a dataflow writes to: create from a schema, read, list, delete."""

from .models import Catalog
from .responses import PREFIX
from .urls import service

__all__ = ["PREFIX", "Catalog", "service"]
