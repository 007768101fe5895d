"""URLs: the wizard, login, and the admin."""

from django.contrib import admin
from django.urls import include, path

from identity.views import SignOut

from .auth import AdminLoginForm, ThrottledLoginView, refuse_throttled
from .views import actions, dataflow, hubs, portable, wizard

admin.site.login_form = AdminLoginForm
handler400 = "onboarding.middleware.refused_request"

wizard_pages = (
    [
        path("", wizard.onboarding_list, name="list"),
        path("new/", wizard.onboarding_new, name="new"),
        path("auth-fields/", wizard.auth_fields, name="auth_fields"),
        path("connection-string/", wizard.parse_connection_string, name="parse_connection_string"),
        path("existing-account/", wizard.existing_account, name="existing_account"),
        path("<uuid:public_id>/", wizard.onboarding_detail, name="detail"),
        path("<uuid:public_id>/account/", wizard.onboarding_account, name="account"),
        path("<uuid:public_id>/source/", wizard.onboarding_source, name="source"),
        path("<uuid:public_id>/source/hubs/", wizard.onboarding_source_hubs, name="source_hubs"),
        path("<uuid:public_id>/source/edit/", wizard.onboarding_source_edit, name="source_edit"),
        path("<uuid:public_id>/source/reload/", wizard.onboarding_source_reload, name="source_reload"),
        path("<uuid:public_id>/go-on/", wizard.onboarding_go_on, name="go_on"),
        path("<uuid:public_id>/archive/", wizard.onboarding_archive, name="archive"),
        path("<uuid:public_id>/unarchive/", wizard.onboarding_unarchive, name="unarchive"),
        path("<uuid:public_id>/delete/", wizard.onboarding_delete, name="delete"),
        path("<uuid:public_id>/done/", wizard.onboarding_done, name="done"),
        path("<uuid:public_id>/retry/", wizard.onboarding_retry, name="retry"),
        path("<uuid:public_id>/status/", wizard.onboarding_status, name="status"),
        path("<uuid:public_id>/test/", wizard.onboarding_test, name="test"),
        path("<uuid:public_id>/actions/<uuid:action_id>/", actions.onboarding_action, name="action"),
        path("<uuid:public_id>/credentials/", wizard.onboarding_credentials, name="credentials"),
        path("<uuid:public_id>/reload/", wizard.onboarding_reload, name="reload"),
        path("<uuid:public_id>/export.json", wizard.onboarding_export, name="export"),
        *dataflow.urlpatterns,
        *portable.urlpatterns,
        *hubs.urlpatterns,
    ],
    "onboarding",
)

urlpatterns = [
    path("", wizard.home, name="home"),
    path("onboardings/", include(wizard_pages)),
    path("dataflows/", include("monitoring.urls")),
    path("login/", refuse_throttled(ThrottledLoginView.as_view()), name="login"),
    path("logout/", SignOut.as_view(), name="logout"),
    path("oidc/", include("identity.urls")),
    # Before the admin's own routes, so that its log-in page answers a throttled attempt with a 429 too.
    path("admin/login/", refuse_throttled(admin.site.login)),
    path("admin/", admin.site.urls),
    # Pages without a <link rel="icon"> (the admin's) make browsers ask for this.
    path("favicon.ico", wizard.favicon),
]
