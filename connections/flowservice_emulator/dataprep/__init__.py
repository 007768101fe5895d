"""Adobe Data Prep (the conversion service): mapping sets from raw JSON to an XDM schema."""

from .models import DataPrep
from .responses import PREFIX
from .urls import service

__all__ = ["PREFIX", "DataPrep", "service"]
