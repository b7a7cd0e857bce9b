"""How close two CPV codes are in the vocabulary's tree."""

LEVELS = ((8, "code"), (5, "category"), (4, "class"), (3, "group"), (2, "division"))
CLOSENESS = {"code": 1.0, "category": 0.85, "class": 0.7, "group": 0.5, "division": 0.3}


def code8(code: str) -> str:
    """The eight digits of a code given as 45223000-6 or 45223000."""
    return code.strip().split("-")[0]


def prefix(code: str, digits: int) -> str:
    """The code's ancestor at that many significant digits: prefix('45223100', 3) == '45200000'."""
    return code8(code)[:digits].ljust(8, "0")


def shared_level(a: str, b: str) -> tuple[str, str] | None:
    """The finest level two codes share, with the shared code: ('group', '45200000'), or None."""
    a, b = code8(a), code8(b)
    for digits, name in LEVELS:
        if a[:digits] == b[:digits]:
            return name, prefix(a, digits)
    return None


def closeness(a: str, b: str) -> float:
    """1.0 for the same code, less for each level up they must go to meet, 0 for other divisions."""
    shared = shared_level(a, b)
    return CLOSENESS[shared[0]] if shared else 0.0


def best_shared(codes_a: list[str], codes_b: list[str]) -> tuple[float, tuple[str, str] | None]:
    """The closest pair between two lists of codes: its closeness and what they share."""
    best, what = 0.0, None
    for a in codes_a:
        for b in codes_b:
            shared = shared_level(a, b)
            if shared and CLOSENESS[shared[0]] > best:
                best, what = CLOSENESS[shared[0]], shared
    return best, what


def ancestors(code: str) -> list[str]:
    """The code's division, group, class and category, each as an eight-digit code, coarsest first."""
    code = code8(code)
    significant = max(2, len(code.rstrip("0")))
    return [prefix(code, digits) for digits in (2, 3, 4, 5) if digits < significant]
