"""Form fields shared by the app's pages (onboarding/forms/) and the admin (connections/admin/)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms


class NormalisingField(forms.CharField):
    """Text cleaned by one of Azure's naming rules, as Django's UsernameField normalises a user name."""

    def __init__(self, *, normalise: Callable[[str], str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.normalise = normalise

    def to_python(self, value: Any) -> str:
        text = str(super().to_python(value))
        if not text.strip():
            return ""  # whether the field is needed depends on the form (the auth type, the credentials given)
        try:
            return self.normalise(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None
