import io

import pytest
from django.core.management import call_command

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
