"""URLs: the wizard, login, and the admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views, views_actions, views_dataflow
from .auth import AdminLoginForm, ThrottledLoginView

admin.site.login_form = AdminLoginForm

wizard = (
    [
        path("", views.onboarding_list, name="list"),
        path("new/", views.onboarding_new, name="new"),
        path("auth-fields/", views.auth_fields, name="auth_fields"),
        path("connection-string/", views.parse_connection_string, name="parse_connection_string"),
        path("<uuid:public_id>/", views.onboarding_detail, name="detail"),
        path("<uuid:public_id>/account/", views.onboarding_account, name="account"),
        path("<uuid:public_id>/source/", views.onboarding_source, name="source"),
        path("<uuid:public_id>/source/edit/", views.onboarding_source_edit, name="source_edit"),
        path("<uuid:public_id>/source/reload/", views.onboarding_source_reload, name="source_reload"),
        path("<uuid:public_id>/go-on/", views.onboarding_go_on, name="go_on"),
        path("<uuid:public_id>/archive/", views.onboarding_archive, name="archive"),
        path("<uuid:public_id>/delete/", views.onboarding_delete, name="delete"),
        path("<uuid:public_id>/done/", views.onboarding_done, name="done"),
        path("<uuid:public_id>/retry/", views.onboarding_retry, name="retry"),
        path("<uuid:public_id>/status/", views.onboarding_status, name="status"),
        path("<uuid:public_id>/test/", views.onboarding_test, name="test"),
        path("<uuid:public_id>/actions/<uuid:action_id>/", views_actions.onboarding_action, name="action"),
        path("<uuid:public_id>/credentials/", views.onboarding_credentials, name="credentials"),
        path("<uuid:public_id>/reload/", views.onboarding_reload, name="reload"),
        path("<uuid:public_id>/export.json", views.onboarding_export, name="export"),
        *views_dataflow.urlpatterns,
    ],
    "onboarding",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("onboardings/", include(wizard)),
    path("dataflows/", include("monitoring.urls")),
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    # Pages without a <link rel="icon"> (the admin's) make browsers ask for this.
    path("favicon.ico", views.favicon),
]
