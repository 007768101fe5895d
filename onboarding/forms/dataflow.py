"""The dataflow steps' forms: another source of the same account, a sample, the dataset, the detail."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from connections.services.dataflow_choices import DataflowSource, DatasetChoice

from .wizard import ExplainedChoiceField, SourceForm

MAX_SAMPLE_BYTES = 1_000_000


class ExistingAccountForm(SourceForm):
    """A new dataflow from the account already connected: another event hub or consumer group."""

    def dataflow_source(self) -> DataflowSource:
        data = self.cleaned_data
        return DataflowSource(data["event_hub_name"], data["consumer_group"], data["data_type"], data["reset"])


class SampleForm(forms.Form):
    """Events typed or uploaded when Adobe cannot preview the hub."""

    sample = forms.CharField(
        label=_("Sample events"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "mono"}),
        help_text=_("One JSON event, a JSON array of events, or one event a line (up to 100 are kept)."),
    )
    sample_file = forms.FileField(
        label=_("Or upload a file"), required=False, help_text=_("A .json file, 1 MB at most.")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload: UploadedFile[bytes] | None = data.get("sample_file")
        if upload is not None:
            if upload.size and upload.size > MAX_SAMPLE_BYTES:
                self.add_error("sample_file", _("The file is larger than 1 MB."))
                return data
            try:
                data["sample"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                self.add_error("sample_file", _("The file is not UTF-8 text."))
        elif not (data.get("sample") or "").strip():
            self.add_error("sample", _("Paste at least one event, or upload a file."))
        return data


class SidesRadioSelect(forms.RadioSelect):
    """Radio buttons some of which are shown but cannot be chosen (`unavailable`, rendered disabled)."""

    unavailable: frozenset[str] = frozenset()

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        if option["value"] in self.unavailable:
            option["attrs"]["disabled"] = True
        return option


# A side of the Dataset step with nothing in it: what its choice says instead of its usual explanation.
EMPTY_SIDE = {
    "existing": _("This sandbox has none yet."),
    "new": _("No schema in this sandbox: create one in Experience Platform › Schemas, or choose an existing dataset."),
}


def empty_sides(datasets: list[dict[str, str]], schemas: list[dict[str, str]]) -> frozenset[str]:
    """The sides of the Dataset step nothing can be chosen on; when both are empty, neither is closed (the
    new side then says a schema is needed)."""
    empty = {side for side, items in (("existing", datasets), ("new", schemas)) if not items}
    return frozenset(empty) if len(empty) == 1 else frozenset()


class DatasetForm(forms.Form):
    """An existing dataset, or a new one on an existing schema. A side with nothing to choose (no dataset in the
    sandbox yet, or no schema) is shown but cannot be chosen."""

    choice = ExplainedChoiceField(
        label=_("Where should the events go?"),
        choices=[("existing", _("An existing dataset")), ("new", _("A new dataset"))],
        initial="new",
        explanations={
            "existing": _("Events are added to a dataset that already exists; its schema decides their shape."),
            "new": _("A new dataset is created when you finish, on a schema you choose."),
        },
    )
    dataset_id = forms.ChoiceField(label=_("Dataset"), required=False, widget=forms.RadioSelect)
    dataset_name = forms.CharField(label=_("New dataset name"), required=False, max_length=200)
    schema_id = forms.ChoiceField(label=_("Schema"), required=False, widget=forms.RadioSelect)
    profile_enabled = forms.BooleanField(
        label=_("Enable for Profile"),
        required=False,
        help_text=_(
            "Adds the events to Real-Time Customer Profile. The schema must be enabled for Profile too "
            "(in Experience Platform › Schemas), and an identity field is needed."
        ),
    )

    def __init__(
        self,
        *args: Any,
        datasets: list[dict[str, str]],
        schemas: list[dict[str, str]],
        unavailable: frozenset[str] = frozenset(),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        dataset_field, schema_field = self.fields["dataset_id"], self.fields["schema_id"]
        assert isinstance(dataset_field, forms.ChoiceField) and isinstance(schema_field, forms.ChoiceField)
        dataset_field.choices = [(d["id"], d["name"]) for d in datasets]
        schema_field.choices = [(s["id"], s["title"]) for s in schemas]
        self.unavailable = unavailable
        self._close_sides()

    def _close_sides(self) -> None:
        choice = self.fields["choice"]
        assert isinstance(choice, ExplainedChoiceField)
        widget = SidesRadioSelect()
        widget.choices = choice.widget.choices
        widget.unavailable = self.unavailable
        choice.widget = widget
        choice.explanations = {**choice.explanations, **{side: EMPTY_SIDE[side] for side in self.unavailable}}
        if self.initial.get("choice", choice.initial) in self.unavailable:
            self.initial["choice"] = ({"existing", "new"} - self.unavailable).pop()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("choice") in self.unavailable:
            self.add_error("choice", EMPTY_SIDE[data["choice"]])
            return data
        self._follow_the_pick(data)
        if data.get("choice") == "existing" and not data.get("dataset_id"):
            self.add_error("dataset_id", _("Choose a dataset."))
        if data.get("choice") == "new":
            if not (data.get("dataset_name") or "").strip():
                self.add_error("dataset_name", _("Name the new dataset."))
            if not data.get("schema_id"):
                self.add_error("schema_id", _("Choose the schema of the new dataset."))
        return data

    @staticmethod
    def _follow_the_pick(data: dict[str, Any]) -> None:
        """Picking a dataset, or a schema, under the other side's radio means that side: the pick is what counts."""
        if data.get("choice") == "new" and data.get("dataset_id") and not data.get("schema_id"):
            data["choice"] = "existing"
        elif data.get("choice") == "existing" and data.get("schema_id") and not data.get("dataset_id"):
            data["choice"] = "new"

    def dataset_choice(self) -> DatasetChoice:
        data = self.cleaned_data
        if data["choice"] == "existing":
            return DatasetChoice(existing_id=data["dataset_id"])
        return DatasetChoice(
            new_name=data["dataset_name"].strip(), schema_id=data["schema_id"], profile_enabled=data["profile_enabled"]
        )


class DetailForm(forms.Form):
    name = forms.CharField(label=_("Dataflow name"), max_length=80)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
