from __future__ import annotations

from typing import Any

from django import template

register = template.Library()
WIDTH, HEIGHT = 96, 20


@register.inclusion_tag("monitoring/_sparkline.html")
def sparkline(trend: Any) -> dict[str, Any]:
    """Records received per hour over the last day, as an inline SVG polyline (no script, nothing fetched)."""
    values = [int(v) for v in trend] if isinstance(trend, list) and trend else []
    top = max(values, default=0) or 1
    step = WIDTH / max(len(values) - 1, 1)
    points = " ".join(f"{i * step:.1f},{HEIGHT - 1 - (v / top) * (HEIGHT - 2):.1f}" for i, v in enumerate(values))
    return {"points": points, "width": WIDTH, "height": HEIGHT, "total": sum(values), "peak": max(values, default=0)}


@register.simple_tag(takes_context=True)
def sort_link(context: dict[str, Any], column: str) -> str:
    """The query string that sorts by `column` (descending when already ascending), keeping the filters."""
    request = context["request"]
    params = request.GET.copy()
    params.pop("page", None)
    params["sort"] = f"-{column}" if params.get("sort") == column else column
    return f"?{params.urlencode()}"


@register.filter
def share(failed: int, received: int) -> str:
    return f"{100 * failed / received:.1f}%" if received else "–"


@register.simple_tag(takes_context=True)
def aria_sort(context: dict[str, Any], column: str) -> str:
    """The sorted column's aria-sort value ("none" for the others), for a screen reader's table navigation."""
    sort = context["request"].GET.get("sort", "")
    return {column: "ascending", f"-{column}": "descending"}.get(sort, "none")
