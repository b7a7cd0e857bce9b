"""The dialogue report: counts per choice, free-text answers grouped into themes, representative
quotes, and the last advice on the way out; anonymised, edited by the buyer, exported as PDF and DOCX.

Themes: each answer goes to the known theme whose words (stemmed in every language) it shares most,
the field's recurring ones: understanding the users, trust, the timeline of the tender, price and
risk, technology and integration. Answers that fit none are grouped among themselves by k-means over
their analysed terms, and each group is named by its most telling stems. Only answers the supplier
marked shareable are quoted; every answer is counted. A supplier is named only if it agreed.
"""

import io
from collections import Counter
from dataclasses import dataclass

import numpy as np
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from skala.dialogue.models import (
    Answer,
    Attendee,
    Meeting,
    QuestionKind,
    Registration,
    RegistrationStatus,
    Report,
)
from skala.matching.analysis import analyse, matching_terms
from skala.matching.languages import MULTILINGUAL

QUOTES_PER_THEME = 3
KNOWN_THEMES = [
    (
        "users",
        gettext_lazy("Understanding the users"),
        "bruker brukere brukar innbygger pasient beboer pårørende ansatte användare brukare invånare patient "
        "user users resident patient staff",
    ),
    (
        "trust",
        gettext_lazy("Trust"),
        "tillit åpenhet likebehandling förtroende öppenhet trust transparency openness",
    ),
    (
        "timeline",
        gettext_lazy("The timeline of the tender"),
        "tid tidsplan tidslinje frist frister kunngjøring konkurranse anbud tidplan upphandling "
        "timeline schedule deadline deadlines tender",
    ),
    (
        "cost",
        gettext_lazy("Price and risk"),
        "pris kostnad kostnader budsjett risiko budget risk price cost costs",
    ),
    (
        "technology",
        gettext_lazy("Technology and integration"),
        "integrasjon integrasjoner system systemer data standard api integration systems standards",
    ),
]


@dataclass
class Quote:
    text: str
    supplier: str | None


def stems(text: str) -> set[str]:
    return set(analyse(text, MULTILINGUAL))


def theme_stems() -> list[tuple[str, str, set[str]]]:
    return [(key, str(label), stems(words)) for key, label, words in KNOWN_THEMES]


def quote_for(answer: Answer, named: set[tuple[int, int]]) -> Quote:
    """A quote, naming the supplier only if it agreed for the meeting the answer belongs to."""
    agreed = (answer.question.meeting_id, answer.supplier_id) in named
    return Quote(answer.text.strip(), answer.supplier.name if agreed else None)


def group_into_themes(answers: list[Answer], named: set[tuple[int, int]]) -> list[dict]:
    """Themes with their answer counts and representative quotes (shareable answers only), largest first."""
    known = theme_stems()
    groups: dict[str, list[Answer]] = {key: [] for key, _label, _stems in known}
    leftover: list[Answer] = []
    for answer in answers:
        answer_stems = stems(answer.text)
        overlaps = [(len(answer_stems & words), key) for key, _label, words in known]
        best, key = max(overlaps, key=lambda pair: pair[0])
        if best:
            groups[key].append(answer)
        else:
            leftover.append(answer)
    themes = [
        {
            "key": key,
            "label": label,
            "count": len(groups[key]),
            "terms": [],
            "quotes": quotes(groups[key], named),
        }
        for key, label, _words in known
        if groups[key]
    ]
    themes.extend(cluster(leftover, named))
    return sorted(themes, key=lambda theme: -theme["count"])


def quotes(answers: list[Answer], named: set[tuple[int, int]]) -> list[dict]:
    shareable = list(
        {
            answer.text.strip(): answer for answer in answers if answer.shareable and answer.text.strip()
        }.values()
    )
    # The longer answers say more; the same words from two suppliers are quoted once.
    chosen = sorted(shareable, key=lambda answer: -len(answer.text))[:QUOTES_PER_THEME]
    return [quote_for(answer, named).__dict__ for answer in chosen]


def cluster(answers: list[Answer], named: set[tuple[int, int]]) -> list[dict]:
    """Group answers no known theme claims, and name each group by its most telling stems."""
    if not answers:
        return []
    if len(answers) < 4:
        return [
            {
                "key": "other",
                "label": _("Other"),
                "count": len(answers),
                "terms": [],
                "quotes": quotes(answers, named),
            }
        ]
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    documents = [
        [term for term in matching_terms(answer.text, MULTILINGUAL) if not term.startswith("#")]
        for answer in answers
    ]
    vectoriser = TfidfVectorizer(analyzer=lambda terms: terms, sublinear_tf=True)
    matrix = vectoriser.fit_transform(documents)
    # k-means cannot find more groups than there are different answers.
    count = min(3, len({tuple(document) for document in documents}) // 2)
    if count < 2:
        return [
            {
                "key": "other",
                "label": _("Other"),
                "count": len(answers),
                "terms": [],
                "quotes": quotes(answers, named),
            }
        ]
    model = KMeans(n_clusters=count, n_init=5, random_state=0).fit(matrix)
    vocabulary = np.array(vectoriser.get_feature_names_out())
    found = []
    for label in range(count):
        members = [
            answer for answer, assigned in zip(answers, model.labels_, strict=True) if assigned == label
        ]
        if not members:
            continue
        # A group is named only by words of its shareable answers: the report is published, and the
        # words of a confidential answer must not reach it (its answer is counted, never quoted).
        shareable_terms = {
            term
            for answer, document, assigned in zip(answers, documents, model.labels_, strict=True)
            if assigned == label and answer.shareable
            for term in document
        }
        ranked = vocabulary[np.argsort(-model.cluster_centers_[label])].tolist()
        top = [term for term in ranked if term in shareable_terms][:3]
        found.append(
            {
                "key": f"group-{label}",
                "label": ", ".join(top) if top else _("Other"),
                "count": len(members),
                "terms": top,
                "quotes": quotes(members, named),
            }
        )
    return found


def question_figures(meeting: Meeting) -> list[dict]:
    """Per question: how many answered; per choice, how many chose it; for a scale, the spread and mean."""
    figures = []
    for question in meeting.questions.all():
        answers = list(question.answers.all())
        entry = {
            "id": question.pk,
            "text": question.text,
            "kind": question.kind,
            "phase": question.phase,
            "answers": len(answers),
        }
        if question.kind in {QuestionKind.SINGLE, QuestionKind.MULTIPLE}:
            counted = Counter(choice for answer in answers for choice in answer.choices)
            entry["counts"] = [
                {"choice": choice, "count": counted.get(choice, 0)} for choice in question.choices
            ]
        elif question.kind == QuestionKind.SCALE:
            values = [answer.number for answer in answers if answer.number is not None]
            counted = Counter(values)
            entry["counts"] = [
                {"choice": str(value), "count": counted.get(value, 0)}
                for value in range(question.scale_min, question.scale_max + 1)
            ]
            entry["mean"] = round(sum(values) / len(values), 2) if values else None
        figures.append(entry)
    return figures


def build(meeting: Meeting) -> dict:
    """The report's content for one meeting, generated from everything suppliers submitted."""
    return build_for([meeting], meeting.language)


def build_for(meetings: list[Meeting], language: str = "nb") -> dict:
    """The report's content over one or more meetings (a need's whole dialogue)."""
    ids = [meeting.pk for meeting in meetings]
    # Consent is given per meeting: a supplier named in one report is not thereby named in another.
    named = set(
        Registration.objects.filter(meeting_id__in=ids, may_be_named=True)
        .exclude(status=RegistrationStatus.CANCELLED)
        .values_list("meeting_id", "supplier_id")
    )
    answers = (
        Answer.objects.filter(question__meeting_id__in=ids)
        .exclude(text="")
        .select_related("supplier", "question")
    )
    free_text = list(answers.filter(question__kind=QuestionKind.TEXT, question__is_last_advice=False))
    advice = list(answers.filter(question__is_last_advice=True))
    registrations = Registration.objects.filter(meeting_id__in=ids).exclude(
        status=RegistrationStatus.CANCELLED
    )
    with translation.override(language if language in {"nb", "sv", "en"} else "nb"):
        themes = group_into_themes(free_text, named)
    questions = []
    for meeting in meetings:
        for figure in question_figures(meeting):
            if len(meetings) > 1:
                figure["text"] = f"{meeting.title}: {figure['text']}"
            questions.append(figure)
    return {
        "suppliers_registered": registrations.filter(status=RegistrationStatus.CONFIRMED).count(),
        "suppliers_waiting": registrations.filter(status=RegistrationStatus.WAITING).count(),
        "persons_attended": Attendee.objects.filter(registration__in=registrations, attended=True).count(),
        "questions": questions,
        "themes": themes,
        "last_advice": quotes_all(advice, named),
        "tables": [note.topic for meeting in meetings for note in meeting.notes.all()],
        "supplier_questions": [
            {"question": q.text, "answer": q.answer}
            for meeting in meetings
            for q in meeting.supplier_questions.exclude(answer="")
        ],
    }


def quotes_all(answers: list[Answer], named: set[tuple[int, int]]) -> list[dict]:
    return [quote_for(answer, named).__dict__ for answer in answers if answer.shareable]


def generate(meeting: Meeting) -> Report:
    """Create or refresh the draft report; the buyer's summary is kept."""
    report, _created = Report.objects.get_or_create(meeting=meeting)
    report.content = build(meeting)
    report.generated_at = timezone.now()
    report.save(update_fields=["content", "generated_at"])
    return report


def lines(title: str, summary: str, content: dict) -> list[tuple[str, str]]:
    """A report as (style, text) lines, shared by the PDF and the document."""
    out = [("title", _("Dialogue report: %(title)s") % {"title": title})]
    if summary:
        out += [("heading", _("Summary")), ("text", summary)]
    out.append(
        (
            "text",
            _(
                "%(registered)s suppliers registered, %(waiting)s on the waiting list; "
                "%(attended)s persons attended."
            )
            % {
                "registered": content.get("suppliers_registered", 0),
                "waiting": content.get("suppliers_waiting", 0),
                "attended": content.get("persons_attended", 0),
            },
        )
    )
    for question in content.get("questions", []):
        out.append(("heading", question["text"]))
        out.append(("text", _("%(count)s answers") % {"count": question["answers"]}))
        for row in question.get("counts", []):
            out.append(("bullet", f"{row['choice']}: {row['count']}"))
    if content.get("themes"):
        out.append(("heading", _("Themes")))
        for theme in content["themes"]:
            out.append(("subheading", f"{theme['label']} ({theme['count']})"))
            for quote in theme["quotes"]:
                out.append(
                    ("quote", f"«{quote['text']}»" + (f" – {quote['supplier']}" if quote["supplier"] else ""))
                )
    if content.get("last_advice"):
        out.append(("heading", _("The last advice on the way out")))
        for quote in content["last_advice"]:
            out.append(
                ("quote", f"«{quote['text']}»" + (f" – {quote['supplier']}" if quote["supplier"] else ""))
            )
    return out


def as_pdf(title: str, summary: str, content: dict) -> bytes:
    """The report as PDF, with the standard fonts (they cover Norwegian, Swedish and Danish letters)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(title)
    pdf.add_page()
    sizes = {"title": 18, "heading": 14, "subheading": 12, "text": 11, "bullet": 11, "quote": 11}
    for style, text in lines(title, summary, content):
        pdf.set_font(
            "Helvetica",
            "B" if style in {"title", "heading", "subheading"} else ("I" if style == "quote" else ""),
            sizes[style],
        )
        safe = text.replace("–", "-").encode("latin-1", "replace").decode("latin-1")
        pdf.multi_cell(0, 7, ("- " if style == "bullet" else "") + safe, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    return bytes(pdf.output())


def as_docx(title: str, summary: str, content: dict) -> bytes:
    """The report as an editable Word document."""
    import docx

    document = docx.Document()
    for style, text in lines(title, summary, content):
        if style == "title":
            document.add_heading(text, level=0)
        elif style == "heading":
            document.add_heading(text, level=1)
        elif style == "subheading":
            document.add_heading(text, level=2)
        elif style == "bullet":
            document.add_paragraph(text, style="List Bullet")
        elif style == "quote":
            document.add_paragraph(text, style="Quote")
        else:
            document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
