"""Spend tests write the reports' columnar copies into their own temporary folder."""

import pytest


@pytest.fixture(autouse=True)
def spend_dir(settings, tmp_path):
    settings.SKALA_SPEND_DIR = tmp_path / "spend"
    return settings.SKALA_SPEND_DIR
