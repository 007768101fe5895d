"""Sign-in through the organisation's identity provider. Register /oidc/callback/ with the provider."""

from django.urls import path

from . import views

app_name = "identity"
urlpatterns = [
    path("authenticate/", views.SignInStart.as_view(), name="start"),
    path("callback/", views.SignInCallback.as_view(), name="callback"),
    path("signed-out/", views.signed_out, name="signed_out"),
]
