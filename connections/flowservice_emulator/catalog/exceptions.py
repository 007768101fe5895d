"""Catalog's refusals. Adobe documents no Catalog error body (catalog.yaml lists 400/403/404/500 with no content);
the emulator answers Platform's generic `{type, status, title, detail}` shape, the one the troubleshooting guide
shows for a bad Content-Type."""

from __future__ import annotations

from connections.flowservice_emulator.errors import PlatformError


class CatalogError(PlatformError):
    """Catalog's refusals, in Platform's generic shape."""


class InvalidDataset(CatalogError):
    status, text = 400, "The dataset is not valid: {reason}"


class SchemaNotFound(CatalogError):
    status, text = 400, "The schema {schema_id} referenced by schemaRef.id was not found."


class InvalidQuery(CatalogError):
    """Catalog documents 1..100 for `limit` and that other values get a 4xx "that outlines proper ranges"."""

    status, text = 400, "Invalid query parameter {name}={value}: {expected}"


class DatasetNotFound(CatalogError):
    status, title, text = 404, "NotFoundError", "The dataset was not found."
