"""Form fields every app's forms share.

A list of ids posted to a multiple choice is looked up with one `IN` query; an id larger than a
database integer overflowed that query and answered 500 (SQLite cannot bind it), where a single id
is already handled by Django. Bounded here, such an id is an invalid choice like any other.
"""

from django import forms
from django.db import models

SMALLEST_ID = -(2**63)
LARGEST_ID = 2**63 - 1


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice of rows whose ids are refused before the query when no column could hold them."""

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        target = self.queryset.model._meta.pk if key == "pk" else self.queryset.model._meta.get_field(key)
        if isinstance(target, models.IntegerField | models.AutoField):
            for item in value:
                try:
                    number = int(str(item))
                except ValueError:
                    continue  # Django's own check names a value that is not a number.
                if not SMALLEST_ID <= number <= LARGEST_ID:
                    raise forms.ValidationError(
                        self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": item}
                    )
        return super()._check_values(value)


def bounded_formfield(db_field, **kwargs):
    """A model form's field for a model field, with many-to-many choices bounded (Meta.formfield_callback)."""
    if isinstance(db_field, models.ManyToManyField):
        kwargs.setdefault("form_class", BoundedModelMultipleChoiceField)
    return db_field.formfield(**kwargs)


class ModelForm(forms.ModelForm):
    """Skala's model form: its many-to-many choices are bounded; subclasses keep that with their own Meta."""

    class Meta:
        formfield_callback = bounded_formfield


def errors_in_words(form) -> str:
    """A form's errors as one message for the top of a page, each after its field's label as the
    person sees it ("Reason: This field is required."), never the field's name in the code."""
    parts = []
    for name, errors in form.errors.items():
        text = " ".join(errors)
        field = form.fields.get(name)
        parts.append(f"{field.label}: {text}" if field is not None and field.label else text)
    return "; ".join(parts)
