"""The app's URLs plus /bench-floor/: base.html behind login_required, the cheapest logged-in page."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from onboarding.urls import urlpatterns as app_urls


@login_required
def floor(request: HttpRequest) -> HttpResponse:
    return render(request, "base.html")


urlpatterns = [path("bench-floor/", floor), *app_urls]
