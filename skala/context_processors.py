"""Values every page template uses."""

from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language_info


def site(request):
    """The language switcher's links to this same page in each language, and site-wide flags."""
    path = request.get_full_path()
    languages = [
        {
            "code": code,
            "name": get_language_info(code)["name_local"],
            "url": translate_url(path, code),
        }
        for code, _name in settings.LANGUAGES
    ]
    return {"skala_languages": languages, "skala_production": settings.PRODUCTION}
