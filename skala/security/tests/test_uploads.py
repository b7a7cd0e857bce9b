"""Upload limits: every file field checks size, extension and content; a huge body is refused at the door."""

import importlib
import io
import pkgutil
import zipfile

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models

import skala
from skala.security.uploads import UploadValidator

CSV = b"date;value\n2026-01;12\n2026-02;14\n"


def xlsx_bytes(*, part: str = "xl/workbook.xml", padding: int = 0) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<workbook/>")
        if padding:
            archive.writestr("xl/padding.bin", b"\0" * padding)
    return buffer.getvalue()


def real_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["date", "value"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def refusal(validator: UploadValidator, name: str, content: bytes) -> str | None:
    try:
        validator(SimpleUploadedFile(name, content))
    except ValidationError as error:
        return error.code
    return None


def test_a_csv_in_utf8_or_windows_1252_is_accepted():
    validator = UploadValidator(["csv"])
    assert refusal(validator, "verdier.csv", CSV) is None
    assert refusal(validator, "verdier.csv", b"\xef\xbb\xbf" + CSV) is None
    assert refusal(validator, "leverand\xf8rer.CSV", "navn;beløp\nBærum;12\n".encode("cp1252")) is None


def test_a_spreadsheet_or_program_renamed_to_csv_is_refused():
    validator = UploadValidator(["csv"])
    assert refusal(validator, "verdier.csv", real_xlsx()) == "file_content"
    assert refusal(validator, "verdier.csv", b"MZ\x90\x00\x03") == "file_content"
    assert refusal(validator, "verdier.csv", b"date,value\n\x00\x01\x02") == "file_content"


def test_another_extension_is_refused_whatever_the_content():
    validator = UploadValidator(["csv"])
    assert refusal(validator, "verdier.exe", CSV) == "file_extension"
    assert refusal(validator, "verdier.csv.html", CSV) == "file_extension"
    assert refusal(validator, "verdier", CSV) == "file_extension"


def test_a_real_xlsx_is_accepted_and_a_zip_that_is_no_workbook_is_refused():
    validator = UploadValidator(["csv", "xlsx"])
    assert refusal(validator, "spend.xlsx", real_xlsx()) is None
    assert refusal(validator, "spend.xlsx", xlsx_bytes(part="word/document.xml")) == "file_content"
    assert refusal(validator, "spend.xlsx", CSV) == "file_content"
    assert refusal(validator, "spend.xlsx", b"PK\x03\x04 not really a zip") == "file_content"


def test_a_zip_bomb_is_refused(settings):
    settings.SKALA_MAX_UPLOAD_SIZE = 10_000
    assert refusal(UploadValidator(["xlsx"]), "bomb.xlsx", xlsx_bytes(padding=300_000)) == "file_content"


def test_a_pdf_must_start_as_a_pdf():
    validator = UploadValidator(["pdf"])
    assert refusal(validator, "rapport.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n") is None
    assert refusal(validator, "rapport.pdf", b"<html><script>alert(1)</script>") == "file_content"


def test_json_must_look_like_json():
    validator = UploadValidator(["json"])
    assert refusal(validator, "mapping.json", b'{"Fakturadato": "date"}') is None
    assert refusal(validator, "mapping.json", b"Fakturadato=date") == "file_content"


def test_size_is_limited_by_the_field_and_never_above_the_setting(settings):
    settings.SKALA_MAX_UPLOAD_SIZE = 1000
    assert refusal(UploadValidator(["csv"]), "a.csv", b"a;b\n" * 300) == "file_too_large"
    assert refusal(UploadValidator(["csv"], max_size=10_000), "a.csv", b"a;b\n" * 300) == "file_too_large"
    assert refusal(UploadValidator(["csv"], max_size=100), "a.csv", b"a;b\n" * 30) == "file_too_large"
    assert refusal(UploadValidator(["csv"], max_size=100), "a.csv", b"a;b\n" * 10) is None


def test_an_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="Unknown upload kinds"):
        UploadValidator(["exe"])


def every_form_class() -> list[type]:
    for module in pkgutil.walk_packages(skala.__path__, "skala."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    found, todo = [], [forms.BaseForm]
    while todo:
        for subclass in todo.pop().__subclasses__():
            todo.append(subclass)
            if subclass.__module__.startswith("skala."):
                found.append(subclass)
    return found


def test_every_file_field_in_skala_carries_the_upload_validator():
    form_fields = [
        (f"{form.__module__}.{form.__qualname__}.{name}", field.validators)
        for form in every_form_class()
        for name, field in getattr(form, "base_fields", {}).items()
        if isinstance(field, forms.FileField)
    ]
    model_fields = [
        (f"{model._meta.label}.{field.name}", field.validators)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    ]
    assert form_fields, "no file field was found at all: has the layout changed?"
    unguarded = [
        name
        for name, validators in form_fields + model_fields
        if not any(isinstance(validator, UploadValidator) for validator in validators)
    ]
    assert unguarded == []


@pytest.mark.django_db
def test_a_key_figure_upload_that_is_not_csv_is_refused_with_a_message(client, personas):
    from skala.kpis.models import KeyFigure

    figure = KeyFigure.objects.create(owner=personas.oslo, name_nb="Syklister", unit="stk", period="month")
    client.force_login(personas.owner)
    upload = SimpleUploadedFile("verdier.csv", real_xlsx())
    response = client.post(
        f"/en/kpis/{figure.pk}/values/",
        {"file": upload, "date_column": "date", "value_column": "value"},
        follow=True,
    )
    assert "The file is not a text file." in [str(message) for message in response.context["messages"]]
    assert figure.values.count() == 0


@pytest.mark.django_db
def test_a_body_larger_than_any_upload_is_refused_before_it_is_read(client, settings):
    limit = settings.SKALA_MAX_UPLOAD_SIZE + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = client.generic(
        "POST", "/en/accounts/login/", b"x", content_type="text/plain", CONTENT_LENGTH=str(limit + 1)
    )
    assert response.status_code == 413
    assert "the most Skala accepts" in response.content.decode()
