"""Tokenising and Snowball stemming (PyStemmer) per language, with stop words removed."""

import re
from functools import cache

import Stemmer

from skala.matching.languages import MULTILINGUAL

SNOWBALL = {"nb": "norwegian", "nn": "norwegian", "sv": "swedish", "da": "danish", "en": "english"}
# Finnish is never detected, but CPV labels come in Finnish too and are analysed with its stemmer.
LABEL_SNOWBALL = {**SNOWBALL, "fi": "finnish"}

# Function words that say nothing about what is bought. Short lists on purpose: content words
# such as "tjenester" carry meaning in procurement and stay. The last line of each list holds the
# words that people saw explained as "shared words" between unrelated needs (every need "trenger", and
# an electric ferry and a night-time sensor both "bruker" something and take "tid").
STOP_WORDS = {
    "nb": "og i på til av for med som er en et ei det den de fra om ved eller at skal kan vi vår våre har "
    "ikke ut seg sin sitt sine også mer der her hva hvordan når nye ny alle andre etter over under "
    "uten dem mye noe noen hver hele mange mest får få gjør gjøre slik så enn bare kun både blant "
    "mellom hos mot per via oss deg meg han hun jeg du man dette disse denne hvis fordi da dermed "
    "samt blir ble være vil må inn opp trenger trengs ønsker bruker bruke brukes brukt tid lang fører",
    "nn": "og i på til av for med som er ein eit det den dei frå om ved eller at skal kan vi vår våre har "
    "ikkje ut seg sin sitt sine også meir der her kva korleis når nye ny alle andre etter over under "
    "utan mykje noko nokon kvar heile mange mest får få gjer gjere slik så enn berre både blant "
    "mellom hos mot per via oss deg meg han ho eg du dette desse denne viss fordi då dermed samt blir "
    "vart vere vil må inn opp treng trengst ønskjer brukar bruke brukt tid lang fører",
    "sv": "och i på till av för med som är en ett det den de från om vid eller att ska kan vi vår våra har "
    "inte ut sig sin sitt sina också mer där här vad hur när nya ny alla andra efter över under utan "
    "dem mycket något några varje hela många mest får få gör göra sådan så än bara endast både bland "
    "mellan hos mot per via oss dig mig han hon jag du man detta dessa denna eftersom då därmed blir "
    "blev vara vill måste in upp samt använder använda används",
    "da": "og i på til af for med som er en et det den de fra om ved eller at skal kan vi vores har ikke ud "
    "sig sin sit sine også mere der her hvad hvordan når nye ny alle andre efter over under bliver "
    "uden dem meget noget nogle hver hele mange mest får få gør gøre sådan så end bare kun både "
    "blandt mellem hos mod per via os dig mig han hun jeg du man dette disse denne hvis fordi da "
    "dermed blev være vil må ind op samt behøver ønsker",
    "en": "and in on to of for with as is a an the it its they from about by or that shall will can we our "
    "has have not out also more there here what how when new all other after over under be been "
    "without them much some any each every whole many most get gets do does such so than only just "
    "both among between at against per via us you me he she i one if because then thus are was were "
    "into up this these those need needs",
}
STOP_WORDS_BY_LANGUAGE = {language: frozenset(words.split()) for language, words in STOP_WORDS.items()}
ALL_STOP_WORDS = frozenset().union(*STOP_WORDS_BY_LANGUAGE.values())

WORD = re.compile(r"[^\W_]+", re.UNICODE)


@cache
def stemmer(algorithm: str) -> Stemmer.Stemmer:
    """One Snowball stemmer per algorithm, reused (PyStemmer caches recent words itself)."""
    return Stemmer.Stemmer(algorithm)


def words(text: str) -> list[str]:
    """Lower-cased words of two or more characters; numbers stay, punctuation goes."""
    return [word for word in WORD.findall(text.casefold()) if len(word) > 1]


def analyse(text: str, language: str) -> list[str]:
    """The stems that represent the text for ranking.

    A text whose language is unknown ("mul") is stemmed by every Nordic stemmer and English, and the
    distinct stems of each word kept, so it still meets documents written in any of them.
    """
    tokens = words(text)
    if language in LABEL_SNOWBALL:
        stop = STOP_WORDS_BY_LANGUAGE.get(language, frozenset())
        return stemmer(LABEL_SNOWBALL[language]).stemWords([word for word in tokens if word not in stop])
    if language != MULTILINGUAL:
        raise ValueError(f"unknown language {language!r}")
    kept = [word for word in tokens if word not in ALL_STOP_WORDS]
    stems: list[str] = []
    for algorithm in ("norwegian", "swedish", "danish", "english"):
        stems.extend(stemmer(algorithm).stemWords(kept))
    return list(dict.fromkeys(stems))


def fragments(stems: list[str], size: int = 4) -> list[str]:
    """Character four-grams of each stem, marked with '#', so compounds meet their parts.

    Nordic languages write compounds as one word: "trygghetslarm" shares no stem with "larm", but
    shares "#larm". Measured on Swedish procurement titles, adding them lifts CPV division accuracy
    of the nearest-neighbour vote by about six points (bench/bench_matching.py).
    """
    grams = []
    for stem in stems:
        padded = f"<{stem}>"
        grams.extend("#" + padded[i : i + size] for i in range(max(1, len(padded) - size + 1)))
    return grams


def surface_words(text: str, language: str) -> dict[str, str]:
    """Each stem of the text with the first word it came from, to show people words, not stems."""
    found: dict[str, str] = {}
    for word in words(text):
        for stem in analyse(word, language):
            found.setdefault(stem, word)
    return found


def matching_terms(text: str, language: str) -> list[str]:
    """What the index stores and queries with: the stems, then their fragments."""
    stems = analyse(text, language)
    return stems + fragments(stems)


def is_fragment(term: str) -> bool:
    return term.startswith("#")
