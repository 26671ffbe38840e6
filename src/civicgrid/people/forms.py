"""Forms of the register's pages: they only parse input; services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civicgrid.people import privacy
from civicgrid.people.models import Tag
from civicgrid.people.selectors import ResidentFilter


class SearchForm(forms.Form):
    name = forms.CharField(label=_("Name starts with"), max_length=50, required=False)
    id_number = forms.CharField(label=_("Full ID number"), max_length=20, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    address = forms.CharField(label=_("Address contains"), max_length=100, required=False)
    tag = forms.ChoiceField(label=_("Tag"), choices=[("", "—"), *Tag.choices], required=False)
    area = forms.CharField(label=_("Area code"), max_length=24, required=False)
    min_age = forms.IntegerField(label=_("Age from"), min_value=0, max_value=150, required=False)
    max_age = forms.IntegerField(label=_("Age to"), min_value=0, max_value=150, required=False)

    def __init__(self, *args: Any, viewer: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not privacy.sees_sensitive(viewer):
            # A list by a sensitive tag shows that tag on everyone in it: not offered.
            allowed = [(v, label) for v, label in Tag.choices if v not in privacy.SENSITIVE_TAGS]
            self.fields["tag"].choices = [("", "—"), *allowed]  # type: ignore[attr-defined]

    def as_filter(self) -> ResidentFilter:
        data = self.cleaned_data
        return ResidentFilter(
            name=data["name"],
            id_number=data["id_number"],
            phone=data["phone"],
            address=data["address"],
            tag=data["tag"],
            area=data["area"],
            min_age=data["min_age"],
            max_age=data["max_age"],
        )


class CountForm(forms.Form):
    area = forms.CharField(label=_("Area code"), max_length=24, required=False)
    tag = forms.ChoiceField(label=_("Tag"), choices=[("", "—"), *Tag.choices], required=False)
    min_age = forms.IntegerField(label=_("Age from"), min_value=0, max_value=150, required=False)
    max_age = forms.IntegerField(label=_("Age to"), min_value=0, max_value=150, required=False)


class RevealForm(forms.Form):
    field = forms.ChoiceField(choices=[("id_number", _("ID number")), ("phone", _("phone"))])
    reason = forms.CharField(
        label=_("Why do you need the full value?"), min_length=2, max_length=200
    )


class ProposeForm(forms.Form):
    """A grid worker's correction of a resident: only the fields filled in are proposed."""

    name = forms.CharField(label=_("Name"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    residence_type = forms.ChoiceField(
        label=_("Residence"),
        required=False,
        choices=[
            ("", "—"),
            ("registered", _("registered (户籍)")),
            ("permanent", _("permanent (常住)")),
            ("floating", _("floating (流动)")),
        ],
    )


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), min_length=2, max_length=300)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))
