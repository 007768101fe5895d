"""Adobe Observability Insights, the one metric that watches a streaming dataflow's dataset: records ingested."""

from .models import Observability
from .responses import PREFIX
from .urls import service

__all__ = ["PREFIX", "Observability", "service"]
