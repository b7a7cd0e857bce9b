"""Language detection among Norwegian bokmål and nynorsk, Swedish, Danish and English."""

from functools import cache

from lingua import Language, LanguageDetectorBuilder

SUPPORTED = ("nb", "nn", "sv", "da", "en")
MULTILINGUAL = "mul"

LINGUA = {
    Language.BOKMAL: "nb",
    Language.NYNORSK: "nn",
    Language.SWEDISH: "sv",
    Language.DANISH: "da",
    Language.ENGLISH: "en",
}

# Below this confidence, or for texts this short, the language is not guessed: a title of one
# word such as "Skolebygg" is as Danish as it is Norwegian.
MINIMUM_CONFIDENCE = 0.5
MINIMUM_LETTERS = 4


@cache
def detector():
    """The detector, built once per process for our five languages only."""
    return LanguageDetectorBuilder.from_languages(*LINGUA).build()


def detect_language(text: str) -> str:
    """The text's language code, or "mul" when it cannot be told with confidence."""
    if sum(character.isalpha() for character in text) < MINIMUM_LETTERS:
        return MULTILINGUAL
    values = detector().compute_language_confidence_values(text[:2000])
    if not values or values[0].value < MINIMUM_CONFIDENCE:
        return MULTILINGUAL
    return LINGUA[values[0].language]


def normalise_language(code: str | None) -> str:
    """Map what a caller says ("no", "nob", "sv-SE", "de") onto a supported code or "mul"."""
    if not code:
        return MULTILINGUAL
    code = code.lower().split("-")[0].split("_")[0]
    aliases = {"no": "nb", "nob": "nb", "nno": "nn", "swe": "sv", "dan": "da", "eng": "en"}
    code = aliases.get(code, code)
    return code if code in SUPPORTED else MULTILINGUAL
