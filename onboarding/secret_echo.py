"""A key or connection string typed into the wrong field is dropped, never echoed back in the page.

After a validation error Django re-renders each text field with what was typed (`value="..."`).
For the secret fields that is off (PasswordInput), but a connection string pasted into
Namespace, or a SAS key into Description, would come back in clear: in the page, the
browser's form history and any proxy's cache. Such a value is removed from what the page shows
and the field says why.
"""

from __future__ import annotations

import re

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from connections import azure_names

DROPPED = _(
    "This looked like a key or a connection string, so it was not kept here (secrets are never shown again). "
    "Paste a connection string into “Connection string”, a key into its own field."
)
_CONNECTION_STRING = re.compile(r"SharedAccessKey\s*=|SharedAccessSignature\s|[?&]sig=", re.IGNORECASE)
# An Entra ID client secret value: about 40 URL-safe characters with "Q~" early on (Azure's format),
# alone or inside other text.
_CLIENT_SECRET = re.compile(r"(?<![A-Za-z0-9_.~-])[A-Za-z0-9_.~-]{1,16}Q~[A-Za-z0-9_.~-]{20,}")
_SAS_KEY = re.compile(azure_names.SAS_KEY_IN_TEXT)


def _random_looking(run: str) -> bool:
    """Lower case, upper case and digits all present, as in any random key; a name typed by a person rarely is."""
    return any(c.islower() for c in run) and any(c.isupper() for c in run) and any(c.isdigit() for c in run)


def looks_secret(value: str) -> bool:
    text = value.strip()
    if _CONNECTION_STRING.search(text) or _CLIENT_SECRET.search(text):
        return True
    return any(_random_looking(match.group(1)) for match in _SAS_KEY.finditer(text))


def drop_secret_shaped(form: forms.Form) -> None:
    """After cleaning: clear every shown (non-password, non-hidden) field that holds a secret-shaped value."""
    if not form.is_bound:
        return
    for name, field in form.fields.items():
        if isinstance(field.widget, forms.PasswordInput | forms.HiddenInput):
            continue
        key = form.add_prefix(name)
        value = form.data.get(key)
        if isinstance(value, str) and value and looks_secret(value):
            data = form.data.copy() if isinstance(form.data, QueryDict) else dict(form.data)
            data[key] = ""
            form.data = data
            if name in form.errors:
                del form.errors[name]  # the validator's message quoted or described the key; ours replaces it
            form.add_error(name, str(DROPPED))


def without_secrets(values: dict[str, object]) -> dict[str, object]:
    """Typed values to show again (e.g. a tab switch without JavaScript), secret-shaped ones left out."""
    return {name: "" if isinstance(value, str) and looks_secret(value) else value for name, value in values.items()}
