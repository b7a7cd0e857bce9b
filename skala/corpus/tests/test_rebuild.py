import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from skala.corpus import services
from skala.corpus.models import CorpusDocument, DocumentKind, IndexBuild

pytestmark = pytest.mark.django_db


def test_index_rebuild_runs_as_a_task_on_a_worker_with_progress(run_db_worker):
    services.upsert("notice:1", kind=DocumentKind.NOTICE, title="Skolemat", text="Sunn lunsj", language="nb")
    CorpusDocument.objects.update(terms="stale")
    out = io.StringIO()
    call_command("index", "rebuild", no_wait=True, stdout=out)
    assert "Rebuild enqueued as task" in out.getvalue()
    build = IndexBuild.objects.get()
    assert build.status == IndexBuild.Status.WAITING
    run_db_worker()
    build.refresh_from_db()
    assert (build.status, build.done, build.total) == (IndexBuild.Status.DONE, 1, 1)
    assert "lunsj" in CorpusDocument.objects.get().terms.split()


def test_following_a_build_whose_worker_stopped_ends_with_what_to_do(monkeypatch):
    from skala.corpus.management.commands import index

    build = IndexBuild.objects.create(status=IndexBuild.Status.RUNNING, done=3, total=10)
    monkeypatch.setattr(index, "STALLED_SECONDS", 0)
    out = io.StringIO()
    with pytest.raises(CommandError, match="No progress for 0 minutes: the worker may have stopped"):
        index.Command(stdout=out).follow(build.pk)
    assert "Running: 3/10" in out.getvalue()


def test_a_queue_that_cannot_take_the_task_fails_the_build_and_says_so(monkeypatch):
    from skala.corpus.management.commands import index

    class Unreachable:
        """The queue's side of a Redis that is down: enqueueing raises."""

        def enqueue(self, *arguments):
            raise ConnectionError("Error 111 connecting to localhost:6379. Connection refused.")

    monkeypatch.setattr(index, "rebuild_index", Unreachable())
    with pytest.raises(CommandError, match=r"Could not enqueue the task: Error 111.*Run with --inline"):
        call_command("index", "rebuild", stdout=io.StringIO())
    build = IndexBuild.objects.get()
    assert build.status == IndexBuild.Status.FAILED
    assert "Connection refused" in build.message


def test_index_rebuild_inline():
    services.upsert("notice:1", kind=DocumentKind.NOTICE, title="Skolemat", text="Sunn lunsj", language="nb")
    out = io.StringIO()
    call_command("index", "rebuild", inline=True, stdout=out)
    assert "Index rebuilt: 1 documents." in out.getvalue()


def test_saving_a_document_is_seen_by_the_next_search():
    query = services.query_for("sykehjem", "nb")
    assert services.similar(query) == []
    services.upsert("need:1", kind=DocumentKind.NEED, title="Sykehjem", text="Nytt sykehjem", language="nb")
    assert [match.key for match in services.similar(query)] == ["need:1"]
    services.remove("need:1")
    assert services.similar(query) == []


ROADS = ["Asfaltering av gater", "Reasfaltering av veier", "Vedlikehold av gang- og sykkelveier"]
CARE = ["Digitalt tilsyn om natten", "Trygghetsalarmer for hjemmeboende", "Sensorer på sykehjem"]


def classified_corpus(copies: int, start: int = 0) -> None:
    """Notices with CPV codes, enough for the division classifier to train on."""
    for n in range(start, start + copies):
        for group, (titles, code) in enumerate([(ROADS, "45233222"), (CARE, "85310000")]):
            for k, title in enumerate(titles):
                services.upsert(
                    f"notice:{n}-{group}-{k}",
                    kind=DocumentKind.NOTICE,
                    title=f"{title} {n}",
                    text="",
                    language="nb",
                    cpv=[code],
                )


def trained_classifier():
    built = services.current()
    assert built.index.classifier.trained
    return built.index.classifier


def test_a_new_index_keeps_the_classifier_until_the_classified_documents_change_by_a_twentieth():
    services._cache.clear()
    classified_corpus(10)  # 60 classified notices
    first = trained_classifier()
    classified_corpus(1, start=10)  # 66: a tenth more
    assert trained_classifier() is not first
    second = trained_classifier()
    services.upsert("notice:new", kind=DocumentKind.NOTICE, title="Brøyting", text="", language="nb")
    services.upsert(
        "notice:new2", kind=DocumentKind.NOTICE, title="Strøing", text="", language="nb", cpv=["45233222"]
    )
    # One more classified notice of 67 and one without a code: the index is new, the classifier kept.
    built = services.current()
    assert "notice:new" in built.index.position
    assert built.index.classifier is second
    services.rebuild()  # a full rebuild re-analyses everything and trains afresh
    assert trained_classifier() is not second


@pytest.mark.django_db(transaction=True)
def test_a_large_corpus_is_rebuilt_in_the_background_while_the_old_index_answers(settings):
    services._cache.clear()
    services.upsert("need:1", kind=DocumentKind.NEED, title="Sykehjem", text="Nytt sykehjem", language="nb")
    query = services.query_for("sykehjem", "nb")
    assert [match.key for match in services.similar(query)] == ["need:1"]
    settings.SKALA_MATCH_BACKGROUND_REBUILD = 1
    old = services.current()
    services.upsert("need:2", kind=DocumentKind.NEED, title="Sykehjem i Bergen", text="", language="nb")
    # The request is answered at once, from the index as it was; the new one follows.
    assert services.current() is old
    services.rebuild_in_background().join(timeout=60)
    assert sorted(match.key for match in services.similar(query)) == ["need:1", "need:2"]
    assert services.current() is not old


def test_a_need_made_invited_only_is_not_shown_from_an_index_that_lags_behind():
    for key, title in (("need:1", "Sykehjem"), ("need:2", "Sykehjem i Bergen")):
        services.upsert(
            key, kind=DocumentKind.NEED, title=title, text="Nytt sykehjem", language="nb", owner_id=7
        )
    query = services.query_for("sykehjem", "nb")
    assert sorted(match.key for match in services.similar(query)) == ["need:1", "need:2"]
    old = services.current()
    # The row changes while the index does not yet know (as while a large corpus re-indexes in the
    # background): the update leaves updated_at, by which the index notices changes, as it was.
    CorpusDocument.objects.filter(key="need:2").update(is_public=False)
    assert services.current() is old
    assert [match.key for match in services.similar(query)] == ["need:1"]
    assert sorted(match.key for match in services.similar(query, visible_owner_ids=[7])) == [
        "need:1",
        "need:2",
    ]
    CorpusDocument.objects.filter(key="need:1").delete()
    assert [match.key for match in services.similar(query, visible_owner_ids=[7])] == ["need:2"]


def test_an_invited_only_needs_codes_do_not_vote_in_anyones_suggestions():
    services.upsert(
        "need:1",
        kind=DocumentKind.NEED,
        title="Zorblaxmåler for sykehjem",
        text="Zorblax",
        language="nb",
        cpv=["38430000"],
        is_public=False,
        owner_id=7,
    )
    query = services.query_for("Zorblaxmåler", "nb")
    assert "38430000" not in [suggestion.code for suggestion in services.suggest_cpv(query)]
    CorpusDocument.objects.filter(key="need:1").update(is_public=True, updated_at=timezone.now())
    assert "38430000" in [suggestion.code for suggestion in services.suggest_cpv(query)]


def test_tuning_needs_enough_classified_documents_and_says_how_many(settings, tmp_path):
    pytest.importorskip("torch")
    settings.SKALA_DIVISION_MODEL = tmp_path / "division-model.onnx"
    classified_corpus(2)  # 12 classified notices
    with pytest.raises(CommandError, match="The corpus has 12 classified documents; fine-tuning needs 200"):
        call_command("index", "tune", inline=True, stdout=io.StringIO())
    assert not settings.SKALA_DIVISION_MODEL.exists()
    with pytest.raises(CommandError, match="--epochs must be between 1 and 50"):
        call_command("index", "tune", inline=True, epochs=0)


def test_tuning_runs_on_a_worker_and_the_next_index_suggests_with_the_tuned_model(
    settings, tmp_path, run_db_worker, monkeypatch
):
    pytest.importorskip("torch")
    settings.SKALA_DIVISION_MODEL = tmp_path / "models" / "division-model.onnx"
    settings.SKALA_TUNING_THREADS = 1
    monkeypatch.setattr(services, "TUNING_MINIMUM_DOCUMENTS", 30)
    services._cache.clear()
    classified_corpus(6)  # 36 classified notices
    assert services.current().index.tuned is None
    out = io.StringIO()
    call_command("index", "tune", no_wait=True, epochs=2, stdout=out)
    assert "Fine-tuning enqueued as task" in out.getvalue()
    run_db_worker()
    build = IndexBuild.objects.get()
    assert build.status == IndexBuild.Status.DONE, build.message
    assert build.done == build.total == 4  # 36 titles in two batches of at most 32, twice
    assert "Division model tuned on 36 titles" in build.message
    assert settings.SKALA_DIVISION_MODEL.exists()

    services.upsert("notice:more", kind=DocumentKind.NOTICE, title="Brøyting", text="", language="nb")
    index = services.current().index
    assert index.tuned is not None
    assert set(index.classifier.member_scores(("asfalt",), "Asfaltering av veier")) >= {"tuned"}
    [first, *_rest] = services.suggest_cpv(services.query_for("Asfaltering av gater i sentrum", "nb"))
    assert first.code.startswith("45")


def test_saving_or_removing_a_document_updates_the_index_in_place_without_a_rebuild(settings):
    services._cache.clear()
    classified_corpus(5)  # 30 classified notices
    built = trained_classifier() and services.current()
    classifier = built.index.classifier
    # Even a corpus large enough to rebuild in the background takes a small change at once.
    settings.SKALA_MATCH_BACKGROUND_REBUILD = 1
    services.upsert("need:1", kind=DocumentKind.NEED, title="Brøyting av veier", text="", language="nb")
    query = services.query_for("brøyting", "nb")
    assert [match.key for match in services.similar(query)] == ["need:1"]
    updated = services.current()
    assert updated.index.base_rows == built.index.base_rows == 30
    assert updated.index.added_rows == 1
    assert updated.index.classifier is classifier
    services.upsert("need:1", kind=DocumentKind.NEED, title="Strøing av veier", text="", language="nb")
    assert services.similar(query) == []
    assert [match.key for match in services.similar(services.query_for("strøing", "nb"))] == ["need:1"]
    services.remove("notice:0-1-0")
    assert "notice:0-1-0" not in services.current().index.position
    assert len(services.current().index) == 30
    assert services.current().index.base_rows == 30


def test_a_document_saved_again_unchanged_adds_no_row():
    services._cache.clear()
    classified_corpus(5)
    before = services.current()
    CorpusDocument.objects.filter(key="notice:0-0-0").update(updated_at=timezone.now())
    after = services.current()
    assert after.stamp != before.stamp
    assert after.index is before.index


def test_an_index_that_has_moved_by_a_tenth_is_rebuilt():
    services._cache.clear()
    classified_corpus(5)  # 30 documents: three changes are a tenth
    services.current()
    for n in range(3):
        services.upsert(f"need:{n}", kind=DocumentKind.NEED, title="Brøyting", text="", language="nb")
        assert services.current().index.base_rows == 30
    services.upsert("need:3", kind=DocumentKind.NEED, title="Brøyting", text="", language="nb")
    rebuilt = services.current().index
    assert (rebuilt.base_rows, rebuilt.added_rows) == (34, 0)


def test_an_import_larger_than_a_tenth_of_the_corpus_is_indexed_afresh():
    services._cache.clear()
    classified_corpus(5)
    services.current()
    classified_corpus(1, start=5)  # six more notices of thirty
    rebuilt = services.current().index
    assert (rebuilt.base_rows, rebuilt.added_rows) == (36, 0)


def test_the_visibility_of_an_updated_document_follows_it():
    services._cache.clear()
    classified_corpus(5)
    services.current()
    services.upsert(
        "need:1",
        kind=DocumentKind.NEED,
        title="Brøyting",
        text="",
        language="nb",
        owner_id=7,
        is_public=False,
    )
    query = services.query_for("brøyting", "nb")
    assert services.similar(query) == []
    assert [match.key for match in services.similar(query, visible_owner_ids=[7])] == ["need:1"]
    assert services.current().index.added_rows == 1
    services.upsert("need:1", kind=DocumentKind.NEED, title="Brøyting", text="", language="nb", owner_id=7)
    assert [match.key for match in services.similar(query)] == ["need:1"]
    assert services.current().index.added_rows == 2


def test_a_document_committed_with_a_time_older_than_the_index_is_not_missed():
    """A long import commits its notices with the times they were saved at, which may be older than a
    need saved and indexed meanwhile: the count tells, and the index is built afresh."""
    services._cache.clear()
    classified_corpus(5)
    services.current()
    services.upsert("notice:late", kind=DocumentKind.NOTICE, title="Brøyting", text="", language="nb")
    CorpusDocument.objects.filter(key="notice:late").update(updated_at=timezone.now() - timedelta(hours=1))
    services.upsert("need:1", kind=DocumentKind.NEED, title="Brøyting av veier", text="", language="nb")
    query = services.query_for("brøyting", "nb")
    assert sorted(match.key for match in services.similar(query)) == ["need:1", "notice:late"]


def test_notices_an_import_saved_minutes_before_it_committed_are_applied(django_capture_on_commit_callbacks):
    services._cache.clear()
    classified_corpus(5)
    services.current()
    with django_capture_on_commit_callbacks() as import_committed:
        services.upsert(
            "notice:0-0-0", kind=DocumentKind.NOTICE, title="Brøyting av fortau", text="", language="nb"
        )
        a_minute_ago = timezone.now() - timedelta(minutes=1)
        CorpusDocument.objects.filter(key="notice:0-0-0").update(updated_at=a_minute_ago)
        services.touch_on_commit(["notice:0-0-0"])
    # Meanwhile a need is saved and indexed: the index is past the time the import saved its notice at.
    services.upsert("need:1", kind=DocumentKind.NEED, title="Sykehjem", text="", language="nb")
    services.current()
    for callback in import_committed:
        callback()
    query = services.query_for("fortau", "nb")
    assert [match.key for match in services.similar(query)] == ["notice:0-0-0"]


def test_a_document_saved_in_a_transaction_that_commits_late_is_applied(django_capture_on_commit_callbacks):
    """A need saved in a request whose transaction commits well after the save: it is stamped again
    when it commits, so an index that has moved past its save time meanwhile still takes it in place."""
    services._cache.clear()
    classified_corpus(5)
    services.upsert("need:7", kind=DocumentKind.NEED, title="Maling", text="", language="nb")
    services.current()
    with django_capture_on_commit_callbacks() as request_committed:
        services.upsert("need:7", kind=DocumentKind.NEED, title="Brøyting av fortau", text="", language="nb")
        a_minute_ago = timezone.now() - timedelta(minutes=1)
        CorpusDocument.objects.filter(key="need:7").update(updated_at=a_minute_ago)
    services.upsert("need:1", kind=DocumentKind.NEED, title="Sykehjem", text="", language="nb")
    services.current()
    for callback in request_committed:
        callback()
    query = services.query_for("fortau", "nb")
    assert [match.key for match in services.similar(query)] == ["need:7"]
    assert services.current().index.added_rows == 2  # applied in place, not rebuilt


def test_an_import_stamps_its_notices_once_when_it_commits_not_each_on_its_own(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as committed:
        for n in range(3):
            services.upsert(
                f"notice:{n}", kind=DocumentKind.NOTICE, title="Brøyting", text="", stamp_on_commit=False
            )
        services.touch_on_commit([f"notice:{n}" for n in range(3)])
    assert len(committed) == 1


def test_an_index_that_has_taken_changes_is_rebuilt_once_it_is_old(settings):
    """The safety net for a change committed with a time older than the index's newest document by
    some other way than an import, which touches its notices when it commits."""
    services._cache.clear()
    classified_corpus(5)
    services.current()
    services.upsert("need:1", kind=DocumentKind.NEED, title="Maling", text="", language="nb")
    services.upsert(
        "notice:0-0-0", kind=DocumentKind.NOTICE, title="Brøyting av fortau", text="", language="nb"
    )
    CorpusDocument.objects.filter(key="notice:0-0-0").update(updated_at=timezone.now() - timedelta(minutes=1))
    services.upsert("need:2", kind=DocumentKind.NEED, title="Snekring", text="", language="nb")
    assert services.current().index.added_rows == 2  # the two needs; the notice's change is not seen
    settings.SKALA_MATCH_FULL_REBUILD_SECONDS = 0
    rebuilt = services.current().index
    assert (rebuilt.base_rows, rebuilt.added_rows) == (32, 0)
    query = services.query_for("fortau", "nb")
    assert [match.key for match in services.similar(query)] == ["notice:0-0-0"]


def test_a_need_made_invited_only_lends_no_codes_from_an_index_that_lags_behind(monkeypatch):
    services.upsert(
        "need:1",
        kind=DocumentKind.NEED,
        title="Zorblaxmåler for sykehjem",
        text="Zorblax",
        language="nb",
        cpv=["38430000"],
        owner_id=7,
    )
    query = services.query_for("Zorblaxmåler", "nb")
    assert "38430000" in [suggestion.code for suggestion in services.suggest_cpv(query)]
    lagging = services.current()
    CorpusDocument.objects.filter(key="need:1").update(is_public=False, updated_at=timezone.now())
    # As while a large corpus re-indexes in the background: requests are answered from the index as it was.
    monkeypatch.setattr(services, "current", lambda: lagging)
    assert "38430000" not in [suggestion.code for suggestion in services.suggest_cpv(query)]
