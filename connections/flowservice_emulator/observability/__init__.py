"""Adobe Observability Insights, the one metric that watches a streaming dataflow's dataset: records ingested."""

from .models import Observability
from .urls import PREFIX, service

__all__ = ["PREFIX", "Observability", "service"]
