"""Forms refuse ids no database column can hold, as invalid choices rather than server errors."""

import importlib
import inspect
import pkgutil

import pytest
from django import forms

import skala
from skala.forms import BoundedModelMultipleChoiceField, ModelForm
from skala.needs.models import Need
from skala.testing import make_personas

pytestmark = pytest.mark.django_db

TOO_LARGE = "2932171417136618536960"


def skala_model_forms():
    """Every model form class in the apps' forms modules."""
    found = []
    for module_info in pkgutil.iter_modules(skala.__path__):
        try:
            module = importlib.import_module(f"skala.{module_info.name}.forms")
        except ModuleNotFoundError:
            continue
        found += [
            value
            for value in vars(module).values()
            if inspect.isclass(value)
            and issubclass(value, forms.ModelForm)
            and value.__module__ == module.__name__
        ]
    return found


def test_a_need_form_with_an_id_too_large_for_the_database_is_refused_not_a_server_error(client):
    people = make_personas()
    client.force_login(people.owner)
    response = client.post(
        "/en/needs/new/",
        {"organisation": people.oslo.pk, "title": "Trygghetsalarm", "invited_organisations": TOO_LARGE},
    )
    assert response.status_code == 200
    assert TOO_LARGE in response.text  # named in the error, escaped like any other value
    assert not Need.objects.exists()


def test_the_bounded_choice_still_takes_real_ids_and_names_unknown_ones():
    people = make_personas()
    field = BoundedModelMultipleChoiceField(queryset=type(people.oslo).objects.all())
    assert list(field.clean([str(people.oslo.pk)])) == [people.oslo]
    with pytest.raises(forms.ValidationError):
        field.clean([TOO_LARGE])
    with pytest.raises(forms.ValidationError):
        field.clean(["-" + TOO_LARGE])
    with pytest.raises(forms.ValidationError):
        field.clean(["not a number"])


def test_every_model_form_bounds_its_many_to_many_choices():
    model_forms = skala_model_forms()
    assert len(model_forms) > 20
    unbounded = [
        f"{form.__module__}.{form.__name__}.{name}"
        for form in model_forms
        for name, field in form.base_fields.items()
        if isinstance(field, forms.ModelMultipleChoiceField)
        and not isinstance(field, BoundedModelMultipleChoiceField)
    ]
    assert unbounded == [], "subclass skala.forms.ModelForm and its Meta (class Meta(ModelForm.Meta))"
    assert all(issubclass(form, ModelForm) for form in model_forms)


def test_a_group_of_checkboxes_is_named_by_a_legend_not_a_label_pointing_at_nothing(client, personas):
    client.force_login(personas.owner)
    page = client.get("/en/needs/new/").text
    group = page.split('<fieldset class="choices" id="id_sdgs_group"')[1].split("</fieldset>")[0]
    assert "<legend>Sustainable Development Goals" in group
    assert 'type="checkbox"' in group
    assert '<label for="id_sdgs">' not in page


def test_a_forms_errors_in_words_name_the_field_by_its_label():
    from django import forms

    from skala.forms import errors_in_words

    class Gate(forms.Form):
        reason = forms.CharField(label="Begrunnelse")

        def clean(self):
            raise forms.ValidationError("Noe er galt.")

    form = Gate({})
    assert not form.is_valid()
    assert errors_in_words(form) == "Begrunnelse: This field is required.; Noe er galt."
