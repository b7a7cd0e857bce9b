"""The templates hold no script the Content-Security-Policy would refuse: every script is a static file."""

import re
from pathlib import Path

SKALA = Path(__file__).resolve().parents[2]
SCRIPT = re.compile(r"<script\b(?P<attributes>[^>]*)>", re.I)
TAG = re.compile(r"<[a-z][^>]*>", re.I | re.S)
HANDLER = re.compile(r"""\s(on[a-z]+|hx-on[:\w-]*)\s*=""", re.I)


def templates() -> list[Path]:
    return sorted(SKALA.rglob("templates/**/*.html"))


def test_every_script_is_a_static_file_and_no_tag_carries_an_event_handler():
    problems = []
    for path in templates():
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(SKALA).as_posix()
        for script in SCRIPT.finditer(text):
            if "src=" not in script["attributes"] or "{% static" not in script["attributes"]:
                problems.append(f"{name}: inline or foreign <script{script['attributes']}>")
        for tag in TAG.finditer(text):
            handler = HANDLER.search(tag.group())
            if handler:
                problems.append(f"{name}: {handler.group(1)}= in {tag.group()[:60]}")
        if "javascript:" in text:
            problems.append(f"{name}: a javascript: address")
    assert len(templates()) > 50
    assert problems == []


def test_the_checks_would_find_an_inline_script_and_a_handler():
    text = '<script>alert(1)</script><a href="#" onclick="x()">x</a><div hx-on:click="y()"></div>'
    assert [m["attributes"] for m in SCRIPT.finditer(text)] == [""]
    assert [HANDLER.search(t.group()).group(1) for t in TAG.finditer(text) if HANDLER.search(t.group())] == [
        "onclick",
        "hx-on:click",
    ]
