"""List queries as Adobe's sort-and-filter guide documents them (help/dataflows/api/sort-and-filter.md).

- `property=<path><op><values>`: `==` `!=` `<` `>` `<=` `>=`; a comma separates a list of values, any of which
  may match (`name==a,b`); each further `property=` parameter is ANDed; `a[].b` looks inside arrays.
- `count=true` answers only `{"count": n}`; with `limit` it is refused (1401-400).
- `limit` and `continuationToken` page; `_links.next.href` carries the same query, so following it is enough.
- `orderby=name`, `+name`, `-name`.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from . import exceptions as refused

Doc = dict[str, Any]
Predicate = Callable[[Doc], bool]
EXPRESSION = re.compile(r"([A-Za-z0-9_.\[\]]+)([=!<>~]+)(.*)")
OPERATORS = ("==", "!=", "<=", ">=", "<", ">")
# Adobe's documents are silent on the default page size; 100 keeps a client's paging honest in tests.
DEFAULT_LIMIT = 100


@dataclass(frozen=True)
class ListQuery:
    predicates: tuple[Predicate, ...]
    filters: tuple[str, ...]  # the raw `property` values, repeated in the next link
    limit: int
    offset: int
    count_only: bool
    orderby: str | None

    @classmethod
    def parse(cls, query: dict[str, list[str]]) -> ListQuery:
        arg = {name: values[0] for name, values in query.items() if values}
        count_only = _boolean("count", arg.get("count", "false"))
        if count_only and "limit" in arg:
            raise refused.LimitWithCount()
        filters = tuple(query.get("property", []))
        return cls(
            predicates=tuple(_predicate(expression) for expression in filters),
            filters=filters,
            limit=_limit(arg.get("limit")),
            offset=_offset(arg.get("continuationToken")),
            count_only=count_only,
            orderby=(arg.get("orderby") or "").strip() or None,
        )

    def answer(self, collection: str, docs: list[Doc]) -> dict[str, Any]:
        """The list body: the count alone, or one page of items and the link to the next."""
        matching = _ordered([d for d in docs if all(p(d) for p in self.predicates)], self.orderby)
        if self.count_only:
            return {"count": len(matching)}
        body: dict[str, Any] = {"items": matching[self.offset : self.offset + self.limit]}
        if self.offset + self.limit < len(matching):
            body["_links"] = {"next": {"href": self._next_href(collection)}}
        return body

    def _next_href(self, collection: str) -> str:
        token = base64.urlsafe_b64encode(str(self.offset + self.limit).encode()).decode()
        params = [("property", f) for f in self.filters] + [("limit", str(self.limit))]
        if self.orderby:
            params.append(("orderby", self.orderby))
        return f"/{collection}?" + urlencode([*params, ("continuationToken", token)])


def _boolean(name: str, value: str) -> bool:
    if value.lower() not in ("true", "false"):
        raise refused.InvalidQueryValue(value=f"{name}={value}")
    return value.lower() == "true"


def _limit(value: str | None) -> int:
    """Adobe's documents are silent on `limit=0` and negative limits: refused, so no page links to itself."""
    if value is None:
        return DEFAULT_LIMIT
    if not value.isdigit() or int(value) < 1:
        raise refused.InvalidQueryValue(value=f"limit={value}")
    return int(value)


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        offset = base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise refused.InvalidQueryValue(value=f"continuationToken={token}") from None
    if not offset.isdigit():
        raise refused.InvalidQueryValue(value=f"continuationToken={token}")
    return int(offset)


def _predicate(expression: str) -> Predicate:
    match = EXPRESSION.fullmatch(expression)
    if not match:
        raise refused.InvalidQueryValue(value=expression)
    field, operator, raw = match.groups()
    if operator not in OPERATORS:
        raise refused.InvalidOperator(operator=operator)
    if raw == "":
        raise refused.InvalidQueryValue(value=expression)
    values = raw.split(",")
    if operator in ("==", "!="):
        return _equality(field, operator, values)
    if len(values) > 1:
        raise refused.OperatorNotAllowedForValues(operator=operator)
    return _comparison(field, operator, raw)


def _equality(field: str, operator: str, values: list[str]) -> Predicate:
    """`==`: any of the values; `!=`: none of them (Adobe's documents are silent on `!=` with a list)."""
    wanted = set(values)

    def matches(doc: Doc) -> bool:
        found = any(_text(v) in wanted for v in _lookup(doc, field))
        return found if operator == "==" else not found

    return matches


def _comparison(field: str, operator: str, raw: str) -> Predicate:
    try:
        bound = float(raw)
    except ValueError:
        raise refused.InvalidFilterValue(value=raw, field=field) from None
    compare: dict[str, Callable[[float], bool]] = {
        "<": lambda v: v < bound,
        ">": lambda v: v > bound,
        "<=": lambda v: v <= bound,
        ">=": lambda v: v >= bound,
    }

    def matches(doc: Doc) -> bool:
        numbers = [v for v in _lookup(doc, field) if isinstance(v, int | float) and not isinstance(v, bool)]
        return any(compare[operator](float(v)) for v in numbers)

    return matches


def _lookup(doc: Doc, path: str) -> list[Any]:
    """Every value at a dotted path; `name[]` steps into each item of an array."""
    values: list[Any] = [doc]
    for part in path.split("."):
        key, into_array = part.removesuffix("[]"), part.endswith("[]")
        values = [v.get(key) for v in values if isinstance(v, dict) and key in v]
        if into_array:
            values = [item for v in values if isinstance(v, list) for item in v]
    return values


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _ordered(docs: list[Doc], orderby: str | None) -> list[Doc]:
    if not orderby:
        return docs
    field = orderby.lstrip("+-")

    def key(doc: Doc) -> tuple[int, Any]:
        found = _lookup(doc, field)
        value = found[0] if found else None
        return (0, value) if isinstance(value, int | float) else (1, _text(value) if value is not None else "")

    return sorted(docs, key=key, reverse=orderby.startswith("-"))
