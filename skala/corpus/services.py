"""The corpus as other apps use it: add, remove, search, suggest CPV codes, rebuild.

Needs and notices call ``upsert`` when they change; the matcher reads through ``current_index``,
which each process keeps in memory and rebuilds when the corpus has changed since it was built.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from skala.corpus.models import CorpusDocument
from skala.matching.analysis import matching_terms
from skala.matching.cpv import code8
from skala.matching.embeddings import Embedder, load_embedder
from skala.matching.index import Document, Match, MatchIndex, Query, make_query
from skala.matching.languages import detect_language, normalise_language
from skala.matching.suggest import CpvEntry, CpvSuggester, Suggestion
from skala.reference.models import CpvCode

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]


@cache
def embedder() -> Embedder | None:
    """The embedding model SKALA_EMBEDDINGS names, loaded once per process, or None."""
    return load_embedder(settings.SKALA_EMBEDDINGS)


def upsert(
    key: str,
    *,
    kind: str,
    title: str,
    text: str,
    language: str | None = None,
    cpv: Iterable[str] = (),
    owner_id: int | None = None,
    owner_name: str = "",
    country: str = "",
    is_public: bool = True,
    embed: bool = True,
    stamp_on_commit: bool = True,
) -> CorpusDocument:
    """Add a document to the corpus or replace it; only this document is analysed and embedded.

    Saved inside a transaction, the document is stamped again when that commits (see touch_on_commit);
    a caller that saves many in one transaction passes stamp_on_commit=False and touches them at once."""
    language = normalise_language(language) if language else detect_language(f"{title}\n{text}")
    full_text = f"{title}\n{text}".strip()
    values = {
        "kind": kind,
        "title": title[:500],
        "text": full_text,
        "language": language,
        "terms": " ".join(matching_terms(full_text, language)),
        "cpv": [code.split("-")[0] for code in cpv],
        "owner_id": owner_id,
        "owner_name": owner_name[:300],  # a copy for display: a notice's buyer may have a longer name
        "country": country,
        "is_public": is_public,
    }
    model = embedder() if embed else None
    if model is not None:
        values["vector"] = model.passages([full_text[:2000]])[0].astype(np.float32).tobytes()
        values["vector_model"] = model.name
    document, _created = CorpusDocument.objects.update_or_create(key=key, defaults=values)
    if stamp_on_commit and transaction.get_connection().in_atomic_block:
        touch_on_commit([key])
    return document


def remove(key: str) -> None:
    """Take a document out of the corpus."""
    CorpusDocument.objects.filter(key=key).delete()


def touch_on_commit(keys: Iterable[str]) -> None:
    """Stamp these documents with the time their transaction commits: each process's index applies what
    was saved since the newest document it has seen (and a few seconds before), and a row stamped when it
    was saved, in a transaction that committed later than that, would be older than it."""
    keys = list(keys)

    def touch() -> None:
        now = timezone.now()
        for start in range(0, len(keys), 1000):
            CorpusDocument.objects.filter(key__in=keys[start : start + 1000]).update(updated_at=now)

    if keys:
        transaction.on_commit(touch)


@dataclass
class BuiltIndex:
    """An index with what it was built from: its stamp tells whether the corpus has changed since."""

    stamp: tuple
    index: MatchIndex
    owners: np.ndarray
    public: np.ndarray
    # When the index was built in full (time.monotonic()); changes applied since keep it.
    built_at: float = field(default_factory=time.monotonic)


_cache: dict[str, BuiltIndex] = {}
_lock = threading.Lock()
_rebuilding: dict[str, threading.Thread] = {}
# The corpus stamp a change could not be applied at (it needs a rebuild).
_unappliable: dict[str, tuple] = {}
# The fine-tuned division model, with the file's (path, mtime, size) it was loaded from.
_tuned: dict[str, tuple] = {}

# The division classifier is a prior, and training it takes seconds to a minute: a new index keeps the
# previous one's classifier until the classified documents have grown or shrunk by this share.
CLASSIFIER_RETRAIN_SHARE = 0.05


def corpus_stamp() -> tuple:
    """Changes whenever a document is added, changed or removed."""
    figures = CorpusDocument.objects.aggregate(count=Count("id"), latest=Max("updated_at"))
    return (figures["count"], figures["latest"])


def reusable_classifier(previous: BuiltIndex | None, classified: int, tuned=None):
    """The previous index's trained classifier, if the classified documents have barely changed since it
    was trained (and the fine-tuned member is the same)."""
    trained = previous.index.classifier_if_trained if previous is not None else None
    if trained is None or trained.tuned is not tuned or classifier_outdated(trained, classified):
        return None
    return trained


def classifier_outdated(trained, classified: int) -> bool:
    """Whether the classified documents have grown or shrunk by CLASSIFIER_RETRAIN_SHARE since the
    classifier learnt from them."""
    before = trained.learnt_from
    return abs(classified - before) > CLASSIFIER_RETRAIN_SHARE * before


def needs_rebuild(built: BuiltIndex | None, stamp: tuple) -> bool:
    """Whether the index must be built afresh: it is missing or behind the corpus, its BM25 statistics
    have drifted by INCREMENTAL_SHARE, its classifier learnt from too few or too many documents, or it
    has taken changes for SKALA_MATCH_FULL_REBUILD_SECONDS (a change committed with a time older than
    the overlap by some other way than an import would otherwise stay unseen)."""
    if built is None or built.stamp != stamp or built.index.drift > INCREMENTAL_SHARE:
        return True
    if built.index.drift and time.monotonic() - built.built_at > settings.SKALA_MATCH_FULL_REBUILD_SECONDS:
        return True
    trained = built.index.classifier_if_trained
    return trained is not None and classifier_outdated(trained, built.index.classified)


INDEX_FIELDS = (
    "key",
    "kind",
    "title",
    "language",
    "terms",
    "cpv",
    "vector",
    "vector_model",
    "owner_id",
    "owner_name",
    "is_public",
)


def read_documents(rows) -> Iterator[tuple[Document, int, bool]]:
    """Each stored document of the queryset as the index holds it, with its owner's id and whether it is
    public; an embedding of another model than the configured one is left out."""
    model = embedder()
    for (
        key,
        kind,
        title,
        language,
        terms,
        cpv,
        vector,
        vector_model,
        owner_id,
        owner_name,
        is_public,
    ) in rows.values_list(*INDEX_FIELDS).iterator(chunk_size=5000):
        usable = vector is not None and model is not None and vector_model == model.name
        document = Document(
            key=key,
            kind=kind,
            title=title,
            language=language,
            terms=tuple(terms.split()),
            cpv=tuple(cpv),
            vector=np.frombuffer(bytes(vector), dtype=np.float32) if usable else None,
            owner=owner_name,
        )
        yield document, owner_id or 0, is_public


def build_index(progress: Progress | None = None, previous: BuiltIndex | None = None) -> BuiltIndex:
    """Read every document's stored terms and embedding and build the index; nothing is re-analysed.

    previous: the index this one replaces, whose classifier is kept if it still fits."""
    stamp = corpus_stamp()
    documents, owners, public = [], [], []
    for document, owner_id, is_public in read_documents(CorpusDocument.objects.order_by("id")):
        documents.append(document)
        owners.append(owner_id)
        public.append(is_public)
        if progress and len(documents) % 50_000 == 0:
            progress(f"Read {len(documents)} documents")
    classified = sum(1 for document in documents if document.cpv)
    tuned = tuned_model()
    built = BuiltIndex(
        stamp,
        MatchIndex(
            documents,
            vocabulary=[(entry.code8, entry.labels) for entry in suggester().entries],
            classifier=reusable_classifier(previous, classified, tuned),
            tuned=tuned,
        ),
        np.array(owners, dtype=np.int64),
        np.array(public, dtype=bool),
    )
    if progress:
        progress(f"Index built: {len(documents)} documents")
    return built


def tuned_model():
    """The fine-tuned division model at SKALA_DIVISION_MODEL, loaded once per process and again when the
    file changes; None when there is no file, or onnxruntime is not installed (said once in the log)."""
    from skala.matching.served import ServedDivisionModel, serving_available
    from skala.matching.tuned import TunedModelError

    path = settings.SKALA_DIVISION_MODEL
    try:
        status = path.stat()
    except OSError:
        return None
    stamp = (str(path), status.st_mtime_ns, status.st_size)
    loaded = _tuned.get("model")
    if loaded is not None and loaded[0] == stamp:
        return loaded[1]
    model = None
    if not serving_available():
        logger.warning("%s is there, but onnxruntime is not installed: the suggestions go without it", path)
    else:
        try:
            # A request scores one title: one thread each, so parallel requests do not fight over cores.
            model = ServedDivisionModel.load(path, threads=1)
        except TunedModelError as error:
            logger.error("The fine-tuned division model is not used: %s", error)
    _tuned["model"] = (stamp, model)
    return model


# Fine-tuning reads at most this many classified titles (sampled evenly), as the classifier does, and
# needs this many at least: fewer teach a transformer nothing the linear members do not know.
TUNING_MAXIMUM_DOCUMENTS = 20_000
TUNING_MINIMUM_DOCUMENTS = 200


class TuningError(RuntimeError):
    """The corpus cannot tune a model yet; the message says why."""


def tune(epochs: int | None = None, on_step: Callable[[int, int, float], None] | None = None) -> int:
    """Fine-tune the division model on the classified documents and save it to SKALA_DIVISION_MODEL.

    Returns how many titles it learnt from. Every process picks the new file up at its next rebuild.
    """
    from skala.matching.served import serving_available
    from skala.matching.tuned import TrainingPlan, torch_available, train

    if not torch_available() or not serving_available():
        raise TuningError("Fine-tuning needs PyTorch and onnx: install Skala with its 'tuned' extra.")
    rows = [
        (title, code8(cpv[0])[:2])
        for title, cpv in CorpusDocument.objects.order_by("id").values_list("title", "cpv").iterator()
        if cpv and title.strip()
    ]
    if len(rows) < TUNING_MINIMUM_DOCUMENTS:
        raise TuningError(
            f"The corpus has {len(rows)} classified documents; fine-tuning needs {TUNING_MINIMUM_DOCUMENTS}."
        )
    if len(rows) > TUNING_MAXIMUM_DOCUMENTS:
        step = len(rows) / TUNING_MAXIMUM_DOCUMENTS
        rows = [rows[int(n * step)] for n in range(TUNING_MAXIMUM_DOCUMENTS)]
    import torch

    plan = TrainingPlan() if epochs is None else TrainingPlan(epochs=epochs)
    threads = torch.get_num_threads()
    torch.set_num_threads(settings.SKALA_TUNING_THREADS or threads)
    try:
        model = train([title for title, _d in rows], [d for _t, d in rows], plan, progress=on_step)
    finally:
        torch.set_num_threads(threads)
    model.save(settings.SKALA_DIVISION_MODEL)
    return len(rows)


# A change to the corpus is applied to the index in place of a rebuild while it is at most this share of
# the documents; a larger one (an import), or an index whose BM25 statistics have drifted by as much
# since they were computed, is rebuilt in full.
INCREMENTAL_SHARE = 0.1
# Documents saved within this many seconds of the newest one the index has seen are read again: two
# requests' transactions may commit out of order. Those that have not changed are skipped.
CHANGE_OVERLAP_SECONDS = 5


def current() -> BuiltIndex:
    """This process's index, brought up to date if the corpus has changed since.

    A change of a few documents (a need saved, a notice imported) is applied to the index as it is, in
    milliseconds, so a need just saved is matched on the next request. A larger change is rebuilt in
    full: at once in a small corpus, and from SKALA_MATCH_BACKGROUND_REBUILD documents on, where that
    takes seconds to minutes, in a thread that swaps the new index in while requests are answered from
    the one there is. The same happens once the changes applied add up to INCREMENTAL_SHARE.
    """
    stamp = corpus_stamp()
    built = _cache.get("index")
    if built is not None and built.stamp != stamp and _unappliable.get("stamp") != stamp:
        with _lock:
            built = _cache.get("index")
            # Read again under the lock: another thread may have brought the index further meanwhile.
            stamp = corpus_stamp()
            if built.stamp != stamp:
                # Once more if the corpus changed while the change was read: it rarely does twice.
                updated = with_changes(built, stamp) or with_changes(built, stamp := corpus_stamp())
                if updated is None:
                    # Not tried again for every request while the rebuild it needs runs.
                    _unappliable["stamp"] = stamp
                else:
                    _cache["index"] = built = updated
    if not needs_rebuild(built, stamp):
        return built
    if built is not None and len(built.index) >= settings.SKALA_MATCH_BACKGROUND_REBUILD:
        rebuild_in_background()
        return built
    with _lock:
        built = _cache.get("index")
        if needs_rebuild(built, stamp):
            built = build_index(previous=built)
            _cache["index"] = built
    return built


def with_changes(built: BuiltIndex, stamp: tuple) -> BuiltIndex | None:
    """The index with the documents changed since it was built applied to it, or None when the change
    is too large to apply (or the fine-tuned model has changed): then it is rebuilt in full."""
    _count, latest = built.stamp
    if latest is None or tuned_model() is not built.index.tuned:
        return None
    index = built.index
    if CorpusDocument.objects.filter(updated_at__gt=latest).count() > INCREMENTAL_SHARE * index.base_rows:
        return None
    since = latest - timedelta(seconds=CHANGE_OVERLAP_SECONDS)
    rows = CorpusDocument.objects.filter(updated_at__gte=since).order_by("id")
    changed, owners, public = [], [], []
    for document, owner_id, is_public in read_documents(rows):
        row = index.position.get(document.key)
        if row is not None and (
            index.documents[row] == document
            and built.owners[row] == owner_id
            and built.public[row] == is_public
            and same_vector(index, row, document)
        ):
            continue
        changed.append(document)
        owners.append(owner_id)
        public.append(is_public)
    # Deletions leave no row behind: they show as fewer documents than the index and the change hold.
    new_keys = sum(1 for document in changed if document.key not in index.position)
    removed = []
    if stamp[0] != len(index) + new_keys:
        stored = set(CorpusDocument.objects.values_list("key", flat=True))
        removed = [key for key in index.position if key not in stored]
    if not changed and not removed:
        return (
            BuiltIndex(stamp, index, built.owners, built.public, built.built_at)
            if len(index) == stamp[0]
            else None
        )
    updated = index.updated(changed, removed)
    if len(updated) != stamp[0]:
        # A document committed with a time older than the overlap (a long import), or one changed while
        # this ran: what the index holds cannot be told from the change, so it is built afresh.
        return None
    return BuiltIndex(
        stamp,
        updated,
        np.concatenate([built.owners, np.array(owners, dtype=np.int64)]),
        np.concatenate([built.public, np.array(public, dtype=bool)]),
        built.built_at,
    )


def same_vector(index: MatchIndex, row: int, document: Document) -> bool:
    held = index.documents[row].vector
    if held is None or document.vector is None:
        return held is None and document.vector is None
    return np.array_equal(held, document.vector)


def rebuild_in_background() -> threading.Thread:
    """Start building the index in a thread of its own, unless one is already at it."""
    with _lock:
        running = _rebuilding.get("index")
        if running is not None and running.is_alive():
            return running
        thread = threading.Thread(target=_rebuild_and_swap, name="skala-index-rebuild", daemon=True)
        _rebuilding["index"] = thread
        thread.start()
        return thread


def _rebuild_and_swap() -> None:
    try:
        built = build_index(previous=_cache.get("index"))
        # Trained here if it has to be, not in the first request that asks for a division.
        built.index.classifier  # noqa: B018
        with _lock:
            _cache["index"] = built
    except Exception:
        logger.exception("Rebuilding the matching index in the background failed; the old one stays")
    finally:
        # The thread had a database connection of its own.
        connection.close()


@cache
def suggester() -> CpvSuggester:
    """The CPV suggester over the whole vocabulary, built once per process."""
    entries = [
        CpvEntry(code.code8, code.labels())
        for code in CpvCode.objects.only("code8", "label_en", "label_nb", "label_sv", "label_da", "label_fi")
    ]
    return CpvSuggester(entries)


def query_for(text: str, language: str | None = None, cpv: Iterable[str] = ()) -> Query:
    """Analyse a text for matching, with the configured embedding model."""
    return make_query(text, language, cpv, embedder())


def similar(
    query: Query,
    *,
    top: int = 10,
    kind: str | Iterable[str] | None = None,
    exclude: Iterable[str] = (),
    visible_owner_ids: Iterable[int] = (),
    visible_keys: Iterable[str] = (),
    within: Iterable[str] | None = None,
) -> list[Match]:
    """The documents most like the query that the viewer may see: public ones, their own, and the
    documents named in `visible_keys` (needs shared with them, which the corpus cannot tell on its own:
    it knows a document's owner, not whom the owner invited). `within`, when given, keeps only these
    documents, so a list filtered first is searched within its filters rather than cut afterwards.

    Only matches with a reason to give (shared words or word parts, CPV, meaning) are returned: in
    a small corpus a common word ending is enough for BM25 to rank everything, and a match that
    cannot say why is noise to the person reading it.
    """
    built = current()
    if not len(built.index):
        return []
    visible_keys = set(visible_keys)
    visible = built.public | np.isin(built.owners, list(visible_owner_ids))
    visible[rows_of(built, visible_keys)] = True
    if within is not None:
        allowed = np.zeros_like(visible)
        allowed[rows_of(built, within)] = True
        visible &= allowed
    prior = built.index.division_prior(query) if not query.cpv else None
    found = built.index.search(
        query, top=top * 2, kind=kind, exclude=exclude, require=visible, division_prior=prior
    )
    found = [match for match in found if not match.why.empty]
    return still_visible(found, set(visible_owner_ids), visible_keys)[:top]


def rows_of(built: BuiltIndex, keys: Iterable[str]) -> list[int]:
    """The index rows of those keys it holds."""
    position = built.index.position
    return [position[key] for key in keys if key in position]


def still_visible(
    matches: list[Match], visible_owner_ids: set[int], visible_keys: set[str] = frozenset()
) -> list[Match]:
    """The matches the viewer may still see as the database stands. The index may be a few seconds
    behind it (a large corpus is re-indexed in the background): a need made invited-only or deleted
    a moment ago must not be shown from the index as it was."""
    rows = CorpusDocument.objects.filter(key__in=[match.key for match in matches]).values_list(
        "key", "is_public", "owner_id"
    )
    visible = {
        key
        for key, is_public, owner in rows
        if is_public or owner in visible_owner_ids or key in visible_keys
    }
    return [match for match in matches if match.key in visible]


def suggest_cpv(query: Query, top: int = 10) -> list[Suggestion]:
    """CPV codes for the query, from the labels and from the nearest public documents with codes."""
    [(_query, suggestions)] = suggest_cpv_for_each([query], top)
    return suggestions


def suggest_cpv_for_each(queries: Iterable[Query], top: int = 10) -> Iterator[tuple[Query, list[Suggestion]]]:
    """Each query with its suggest_cpv, from one index and one look at which documents are public now;
    the queries are read one at a time, so a long file is never held whole."""
    built = current()
    allowed = public_now(built)
    matcher = suggester()
    for query in queries:
        yield query, matcher.suggest(query, built.index, top=top, voters_allowed=allowed)


def public_now(built: BuiltIndex) -> np.ndarray:
    """The index's public rows, less those made invited-only since it last took changes in: while a
    large corpus is re-indexed in the background the index answers as it was, and a need made
    invited-only a moment ago must not lend its codes to anyone's suggestions meanwhile."""
    _count, latest = built.stamp
    if latest is None:
        return built.public
    since = latest - timedelta(seconds=CHANGE_OVERLAP_SECONDS)
    hidden = rows_of(
        built,
        CorpusDocument.objects.filter(updated_at__gte=since, is_public=False).values_list("key", flat=True),
    )
    if not hidden:
        return built.public
    allowed = built.public.copy()
    allowed[hidden] = False
    return allowed


def rebuild(progress: Progress | None = None) -> int:
    """Re-analyse every document (after the analysis changed), embed those that lack a current
    embedding, and rebuild this process's index. Returns the number of documents."""
    say = progress or (lambda message: logger.info("%s", message))
    model = embedder()
    total = CorpusDocument.objects.count()
    for done, document in enumerate(CorpusDocument.objects.order_by("id").iterator(chunk_size=2000), start=1):
        changed = ["terms"]
        document.terms = " ".join(matching_terms(document.text, document.language))
        if model is not None and document.vector_model != model.name:
            document.vector = model.passages([document.text[:2000]])[0].astype(np.float32).tobytes()
            document.vector_model = model.name
            changed += ["vector", "vector_model"]
        values = {name: getattr(document, name) for name in changed}
        CorpusDocument.objects.filter(pk=document.pk).update(**values, updated_at=timezone.now())
        if done % 1000 == 0 or done == total:
            say(f"Analysed {done} of {total} documents")
    _cache["index"] = build_index(say)
    return total
