from __future__ import annotations

from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("", views.fleet, name="fleet"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:pk>/stop/", views.unsubscribe, name="unsubscribe"),
    path("<uuid:dataflow_id>/alerts/", views.dataflow_alerts, name="dataflow_alerts"),
]
