"""The app's URLs plus the floors the budgets are measured against, for the benchmark's server only.

/bench-floor/: base.html behind login_required, the cheapest logged-in page.
/bench-admin/: a second admin site where each benchmarked list is Django's stock `ModelAdmin` showing the
same rows and columns as the product's (its list_display, ordering, page size and joined tables), without
anything else the product's admin adds.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from connections.models import FlowServiceCall, Onboarding
from onboarding.urls import urlpatterns as app_urls

stock_site = admin.AdminSite(name="stock")


@login_required
def floor(request: HttpRequest) -> HttpResponse:
    return render(request, "base.html")


def stock_admin(model: type[Model]) -> type[admin.ModelAdmin[Any]]:
    """A plain ModelAdmin with the product's columns: a column the product's admin computes in a method is
    that method (bound to the product's admin), so both lists show the same cells."""
    product = admin.site.get_model_admin(model)
    columns = [
        getattr(product, name) if isinstance(name, str) and callable(getattr(type(product), name, None)) else name
        for name in product.list_display
    ]
    declarations = {
        "list_display": columns,
        "ordering": product.ordering,
        "list_per_page": product.list_per_page,
        "list_select_related": product.list_select_related,
    }
    return type(f"Stock{model.__name__}Admin", (admin.ModelAdmin,), declarations)


for benchmarked in (Onboarding, FlowServiceCall):
    stock_site.register(benchmarked, stock_admin(benchmarked))

urlpatterns = [path("bench-floor/", floor), path("bench-admin/", stock_site.urls), *app_urls]
