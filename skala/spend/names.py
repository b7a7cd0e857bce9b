"""Supplier names normalised so that spelling variants of one supplier share a key.

"Nordlys Bygg AS", "NORDLYS BYGG A/S" and "Nordlys-Bygg" all become "nordlys bygg": case folded,
punctuation and extra whitespace gone, legal forms at the end dropped, and "&", "og", "och" and
"and" written alike. Accents stay: "Rørlegger" and "Rorlegger" may be different firms.
"""

import re

# Legal forms in Norway, Sweden, Denmark, Finland, Germany and the English-speaking world, as the
# tokens they leave once punctuation is gone ("A/S" is joined to "as" first).
LEGAL_FORMS = frozenset(
    {"as", "asa", "ans", "da", "sa", "ab", "hb", "kb", "ltd", "limited", "oy", "oyj", "aps", "gmbh", "publ"}
)
CONJUNCTIONS = frozenset({"&", "og", "och", "and"})
TOKENS = re.compile(r"&|[^\W_]+")
SLASHED_FORMS = re.compile(r"\ba\s*/\s*s\b")


def normalise_name(name: str) -> str:
    """The key a supplier's name is matched by: 'Hansen & Sønn A/S' → 'hansen & sønn'."""
    text = SLASHED_FORMS.sub("as", name.casefold())
    tokens = ["&" if token in CONJUNCTIONS else token for token in TOKENS.findall(text)]
    kept = list(tokens)
    while len(kept) > 1 and kept[-1] in LEGAL_FORMS:
        kept.pop()
    return " ".join(kept or tokens)


def first_word(name: str) -> str:
    """The first word of a normalised name, read cheaply from a raw one (to skip most register names)."""
    match = TOKENS.search(name.casefold())
    if match is None:
        return ""
    return "&" if match.group(0) in CONJUNCTIONS else match.group(0)
