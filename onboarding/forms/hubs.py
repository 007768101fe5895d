"""The Source step's "several event hubs" form: one small form per hub the namespace lists, in a formset."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from connections import azure_names
from connections.forms import NormalisingField
from connections.models import Onboarding
from connections.services import Source
from connections.services.hubs import GROUP_PATTERN, HubRefused, consumer_group_for


class HubForm(forms.Form):
    """One listed hub: whether to read it, and how (its consumer group filled in from the pattern)."""

    event_hub_name = forms.CharField(widget=forms.HiddenInput, max_length=300)
    read = forms.BooleanField(label=_("Read this event hub"), required=False)
    consumer_group = NormalisingField(
        normalise=azure_names.consumer_group,
        label=_("Consumer group"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}),
    )
    data_type = forms.ChoiceField(label=_("Data type"), choices=Onboarding.DataType.choices)
    reset = forms.ChoiceField(label=_("Start position"), choices=Onboarding.Reset.choices)

    def __init__(self, *args: Any, hubs: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hubs = hubs
        hub = self.hub  # each label names its hub: the page holds one such group per hub
        self.fields["read"].label = _("Read {hub}").format(hub=hub)
        self.fields["consumer_group"].label = _("Consumer group for {hub}").format(hub=hub)
        self.fields["data_type"].label = _("Data type of {hub}").format(hub=hub)
        self.fields["reset"].label = _("Start position of {hub}").format(hub=hub)

    @property
    def hub(self) -> str:
        return str(self.initial.get("event_hub_name") or self.data.get(self.add_prefix("event_hub_name"), ""))

    def clean_event_hub_name(self) -> str:
        hub = str(self.cleaned_data["event_hub_name"])
        if hub not in self.hubs:
            raise forms.ValidationError(_("This event hub is not among the ones Adobe found in your namespace."))
        return hub

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("read") and not data.get("consumer_group") and "consumer_group" not in self.errors:
            self.add_error("consumer_group", _("Type the consumer group this event hub is read with."))
        return data

    def source(self) -> Source:
        data = self.cleaned_data
        return Source(data["event_hub_name"], data["data_type"], data["reset"], data["consumer_group"])


class BaseHubFormSet(forms.BaseFormSet[HubForm]):
    def clean(self) -> None:
        super().clean()
        if not any(self.errors) and not self.sources():
            raise forms.ValidationError(_("Tick at least one event hub."))

    def sources(self) -> list[Source]:
        """The ticked hubs, in the order listed."""
        return [form.source() for form in self.forms if form.cleaned_data.get("read")]

    def refused(self, error: HubRefused) -> None:
        """Show a service's refusal next to the hub (and field) it concerns."""
        form = next((form for form in self.forms if form.hub == error.hub), None)
        if form is None:
            self._non_form_errors = self.error_class([error.message])
            return
        form.add_error(error.field if error.field in ("consumer_group", "data_type", "reset") else None, error.message)


HubFormSetBase = forms.formset_factory(HubForm, formset=BaseHubFormSet, extra=0, max_num=100, absolute_max=100)


class GroupPatternForm(forms.Form):
    """The pattern the hubs' consumer groups are filled in from; each stays editable afterwards."""

    pattern = forms.CharField(
        label=_("Consumer group pattern"),
        max_length=50,
        initial=GROUP_PATTERN,
        help_text=_("{hub} stands for each event hub's name, e.g. aep-{hub} or adobe-{hub}."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}),
    )


def listed_hubs(onboarding: Onboarding) -> list[str]:
    """The hubs offered together: those Adobe listed, when there are several and the credentials open them all."""
    hubs = sorted((onboarding.event_hubs or {}).get("hubs") or [])
    return [] if onboarding.is_scoped or len(hubs) < 2 else hubs


def _kept(data: Any, hubs: list[str]) -> dict[str, dict[str, Any]]:
    """What was posted for each hub (ticked, data type, start position), to show again with new groups."""
    kept = {}
    for index in range(len(hubs)):
        hub = str(data.get(f"hubs-{index}-event_hub_name", ""))
        kept[hub] = {
            "read": bool(data.get(f"hubs-{index}-read")),
            "data_type": data.get(f"hubs-{index}-data_type"),
            "reset": data.get(f"hubs-{index}-reset"),
        }
    return kept


def hub_formset(
    onboarding: Onboarding, data: Any = None, *, pattern: str = GROUP_PATTERN, kept: Any = None
) -> BaseHubFormSet | None:
    """The formset for the hubs Adobe listed in the namespace (None when it listed fewer than two, or the
    credentials open one hub only), each consumer group filled in from `pattern`; `kept`: a POST whose ticks,
    data types and start positions are shown again (the pattern applied anew)."""
    hubs = listed_hubs(onboarding)
    if not hubs:
        return None
    before = _kept(kept, hubs) if kept is not None else {}
    initial = [
        {
            "event_hub_name": hub,
            "read": before.get(hub, {}).get("read", False),
            "consumer_group": consumer_group_for(hub, pattern),
            "data_type": before.get(hub, {}).get("data_type") or onboarding.data_type,
            "reset": before.get(hub, {}).get("reset") or onboarding.reset,
        }
        for hub in hubs
    ]
    formset = HubFormSetBase(data, initial=initial, prefix="hubs", form_kwargs={"hubs": hubs})
    assert isinstance(formset, BaseHubFormSet)
    return formset
