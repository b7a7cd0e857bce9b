"""Checks on text that arrives from outside (files, API bodies) before it is stored or analysed."""


def lone_surrogate(text: str) -> int | None:
    """Where the text holds half of a UTF-16 surrogate pair, or None. JSON lets "\\ud800" through, but it
    is no character: it cannot be written as UTF-8, so neither a database nor a stemmer takes it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return error.start
    return None
