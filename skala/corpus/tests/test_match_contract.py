"""`skala match` and POST /api/v1/match/...: the same contract on the command line and over HTTP."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from skala.corpus import services
from skala.corpus.models import DocumentKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus():
    services.upsert(
        "need:7",
        kind=DocumentKind.NEED,
        title="Digitalt tilsyn",
        text="Sensorer for nattilsyn hos eldre i hjemmetjenesten",
        language="nb",
        cpv=["85310000"],
    )
    services.upsert(
        "notice:TED-1",
        kind=DocumentKind.NOTICE,
        title="Trygghetslarm",
        text="Trygghetslarm och sensorer för hemtjänsten",
        language="sv",
        cpv=["33196200"],
    )
    services.upsert(
        "notice:TED-2",
        kind=DocumentKind.NOTICE,
        title="Asfaltering",
        text="Asfaltering av vägar och gator",
        language="sv",
        cpv=["45233222"],
    )


def write_lines(path, rows):
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")


def read_lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_match_cpv_on_the_command_line(corpus, tmp_path):
    write_lines(
        tmp_path / "q.jsonl",
        [{"id": "a", "text": "asfaltering av gater"}, {"id": 2, "text": "sensorer i hemtjänsten"}],
    )
    call_command(
        "match",
        "cpv",
        input=str(tmp_path / "q.jsonl"),
        output=str(tmp_path / "r.jsonl"),
        top=5,
        stderr=io.StringIO(),
    )
    answers = read_lines(tmp_path / "r.jsonl")
    assert [answer["id"] for answer in answers] == ["a", 2]
    first = answers[0]["cpv"]
    assert 0 < len(first) <= 5
    assert first[0]["code"].startswith("45")
    assert [c["score"] for c in first] == sorted((c["score"] for c in first), reverse=True)
    assert set(first[0]) == {"code", "score"}


def test_match_similar_on_the_command_line(corpus, tmp_path):
    write_lines(
        tmp_path / "q.jsonl", [{"id": "q1", "text": "Trygghetslarm med sensorer for hjemmetjenesten"}]
    )
    out = io.StringIO()
    call_command("match", "similar", input=str(tmp_path / "q.jsonl"), top=10, stdout=out)
    answer = json.loads(out.getvalue())
    assert answer["id"] == "q1"
    ids = [(match["id"], match["kind"]) for match in answer["matches"]]
    assert ("TED-1", "notice") in ids
    assert (7, "need") in ids
    assert ("TED-2", "notice") not in ids
    assert set(answer["matches"][0]["why"]) == {
        "shared_terms",
        "shared_words",
        "shared_word_parts",
        "shared_cpv",
        "embedding_similarity",
    }


def test_bad_lines_are_reported_with_their_numbers_and_nothing_is_written(corpus, tmp_path):
    (tmp_path / "q.jsonl").write_text(
        '{"id": 1, "text": "ok"}\n{"id": 2, "text": ""}\nnot json\n{"text": "no id"}\n'
    )
    with pytest.raises(CommandError) as raised:
        call_command("match", "cpv", input=str(tmp_path / "q.jsonl"), output=str(tmp_path / "r.jsonl"))
    # A line that is not JSON does not hide the other bad lines: every one is named, in order.
    assert "line 2: 'text' is empty; line 3: not JSON (Expecting value); line 4: 'id' is missing" in str(
        raised.value
    )
    assert not (tmp_path / "r.jsonl").exists()
    (tmp_path / "q.jsonl").write_text('{"id": 1, "text": "ok"}\n{"id": 2, "text": ""}\n{"text": "no id"}\n')
    with pytest.raises(CommandError, match="line 2: 'text' is empty; line 3: 'id' is missing"):
        call_command("match", "cpv", input=str(tmp_path / "q.jsonl"))


def test_the_command_line_lists_every_bad_line_and_the_api_says_how_many_more(client, corpus, tmp_path):
    write_lines(tmp_path / "q.jsonl", [{"id": n, "text": ""} for n in range(1, 31)])
    errors = io.StringIO()
    with pytest.raises(CommandError, match="30 problems, each listed above; nothing was matched"):
        call_command("match", "cpv", input=str(tmp_path / "q.jsonl"), stderr=errors)
    assert len(errors.getvalue().splitlines()) == 30
    assert "line 30: 'text' is empty" in errors.getvalue()
    response = client.post(
        "/api/v1/match/cpv", [{"id": n, "text": ""} for n in range(1, 31)], content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"].endswith("item 20: 'text' is empty; ... and 10 more")


def test_api_match_cpv_and_similar(client, corpus):
    body = [{"id": "x", "text": "asfaltering av gater"}]
    cpv = client.post("/api/v1/match/cpv?top=3", body, content_type="application/json")
    assert cpv.status_code == 200
    assert cpv.json()[0]["id"] == "x"
    assert len(cpv.json()[0]["cpv"]) <= 3
    similar = client.post("/api/v1/match/similar", body, content_type="application/json").json()
    assert similar[0]["matches"][0]["id"] == "TED-2"


def test_api_empty_text_is_400_with_a_message(client, corpus):
    response = client.post("/api/v1/match/cpv", [{"id": 1, "text": "  "}], content_type="application/json")
    assert response.status_code == 400
    assert "item 1: 'text' is empty" in response.json()["detail"]
    for missing in ({"id": 1}, {"id": 1, "text": None}):
        response = client.post(
            "/api/v1/match/cpv", [{"id": 0, "text": "ok"}, missing], content_type="application/json"
        )
        assert response.status_code == 400
        assert "item 2: 'text' is empty" in response.json()["detail"]


def test_one_api_request_matches_a_bounded_amount_of_text(client, corpus):
    many = [{"id": n, "text": "snø"} for n in range(501)]
    response = client.post("/api/v1/match/cpv", many, content_type="application/json")
    assert response.status_code == 400
    assert "501 texts in one request; send at most 500" in response.json()["detail"]
    long = [{"id": n, "text": "asfalt " * 5000} for n in range(26)]  # each counts 20,000
    response = client.post("/api/v1/match/similar", long, content_type="application/json")
    assert response.status_code == 400
    assert "520000 characters in one request" in response.json()["detail"]


def test_standard_input_is_read_as_a_file_is(corpus, monkeypatch, capsys):
    class Stdin:
        def __init__(self, data: bytes):
            self.buffer = io.BytesIO(data)

    monkeypatch.setattr("sys.stdin", Stdin('\ufeff{"id": 1, "text": "asfaltering"}\n'.encode()))
    call_command("match", "cpv", input="-", top=1)
    assert json.loads(capsys.readouterr().out)["id"] == 1
    monkeypatch.setattr("sys.stdin", Stdin(b'{"id": 1, "text": "bl\xe5"}\n'))
    with pytest.raises(CommandError, match="line 1: not UTF-8 text"):
        call_command("match", "cpv", input="-")


def test_a_lone_surrogate_is_named_not_a_crash(client, corpus, tmp_path):
    """JSON can carry half a UTF-16 pair ("\\ud800"), which is no character and cannot be stored."""
    (tmp_path / "q.jsonl").write_text('{"id": 1, "text": "ok"}\n{"id": 2, "text": "\\ud800 brøyting"}\n')
    with pytest.raises(
        CommandError, match=r"line 2: 'text' holds a lone surrogate \(\\ud800\) at character 1"
    ):
        call_command("match", "cpv", input=str(tmp_path / "q.jsonl"))
    for path in ("/api/v1/match/cpv", "/api/v1/match/similar"):
        response = client.post(
            path, '[{"id": 1, "text": "\\ud800 brøyting"}]', content_type="application/json"
        )
        assert response.status_code == 400
        assert "item 1: 'text' holds a lone surrogate" in response.json()["detail"]


def test_the_api_names_an_item_that_is_not_an_object_and_a_body_that_is_not_a_list(client, corpus):
    response = client.post(
        "/api/v1/match/cpv", [{"id": 1, "text": "ok"}, 42, ["a"]], content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "item 2: expected an object with 'id' and 'text'; item 3: expected an object with 'id' and 'text'"
    )
    for body in ({"id": 1, "text": "ok"}, ""):
        response = client.post("/api/v1/match/similar", body, content_type="application/json")
        assert response.status_code == 400
        assert response.json() == {
            "detail": "the body must be a JSON list of objects, each with 'id' and 'text'"
        }
    # A bad query parameter is not the body's fault: django-ninja's own answer names it.
    response = client.post(
        "/api/v1/match/cpv?top=abc", [{"id": 1, "text": "ok"}], content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "top"]


def test_the_command_names_the_file_problems_and_the_true_line(corpus, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("match", "cpv", input=str(tmp_path / "nowhere.jsonl"))
    with pytest.raises(CommandError, match="is a folder"):
        call_command("match", "cpv", input=str(tmp_path))
    (tmp_path / "q.jsonl").write_bytes(
        b'{"id": 1, "text": "ok"}\n\n\n{"id": 2, "text": ""}\n{"id": 3, "text": "bl\xe5"}\n'
    )
    with pytest.raises(CommandError, match="line 5: not UTF-8 text"):
        call_command("match", "cpv", input=str(tmp_path / "q.jsonl"))
    (tmp_path / "q.jsonl").write_text('{"id": 1, "text": "ok"}\n\n\n{"id": 2, "text": ""}\n')
    with pytest.raises(CommandError, match="line 4: 'text' is empty"):
        call_command("match", "cpv", input=str(tmp_path / "q.jsonl"))
    (tmp_path / "q.jsonl").write_text('{"id": 1, "text": "ok"}\n')
    with pytest.raises(CommandError, match=r"the folder .* does not exist"):
        call_command("match", "cpv", input=str(tmp_path / "q.jsonl"), output=str(tmp_path / "no" / "r.jsonl"))
    with pytest.raises(CommandError, match=r"top must be between 1 and 100, not 0$"):
        call_command("match", "cpv", input=str(tmp_path / "q.jsonl"), top=0)


def test_long_text_is_matched_on_its_first_20000_characters_and_says_so(client, corpus, tmp_path):
    # The words after the first 20,000 characters would match the alarms; the first ones match asphalt.
    long = "asfaltering " * 1700 + "trygghetslarm sensorer hemtjänsten " * 400
    body = [{"id": 1, "text": long}, {"id": 2, "text": "asfaltering"}]
    for route in ("cpv", "similar"):
        answers = client.post(f"/api/v1/match/{route}", body, content_type="application/json").json()
        assert answers[0]["truncated"] is True
        assert "truncated" not in answers[1]
    [cpv, _short] = client.post("/api/v1/match/cpv", body, content_type="application/json").json()
    assert cpv["cpv"][0]["code"].startswith("45")
    [similar, _short] = client.post("/api/v1/match/similar", body, content_type="application/json").json()
    assert [match["id"] for match in similar["matches"]] == ["TED-2"]
    write_lines(tmp_path / "q.jsonl", body)
    for route in ("cpv", "similar"):
        call_command("match", route, input=str(tmp_path / "q.jsonl"), output=str(tmp_path / "r.jsonl"))
        answers = read_lines(tmp_path / "r.jsonl")
        assert (answers[0]["truncated"], "truncated" in answers[1]) == (True, False)


def test_unknown_language_is_matched_as_multilingual(client, corpus, tmp_path):
    """Over HTTP and on the command line: a language Skala does not know, or a value that is no language
    at all, is matched as multilingual (character n-grams find 'Asfaltering' in 'Asphaltierung')."""
    body = [
        {"id": 1, "text": "Asfaltierung der Strassen", "language": "de"},
        {"id": 2, "text": "Asfaltierung der Strassen", "language": 5},
    ]
    response = client.post("/api/v1/match/similar", body, content_type="application/json")
    assert response.status_code == 200
    assert [answer["matches"][0]["id"] for answer in response.json()] == ["TED-2", "TED-2"]
    write_lines(tmp_path / "q.jsonl", body)
    call_command("match", "similar", input=str(tmp_path / "q.jsonl"), output=str(tmp_path / "r.jsonl"))
    assert [answer["matches"][0]["id"] for answer in read_lines(tmp_path / "r.jsonl")] == ["TED-2", "TED-2"]


def test_invited_only_needs_are_not_shown_to_strangers(client, corpus):
    services.upsert(
        "need:8",
        kind=DocumentKind.NEED,
        title="Hemmelig",
        text="Hemmelig asfaltering",
        language="nb",
        owner_id=999,
        is_public=False,
    )
    answer = client.post(
        "/api/v1/match/similar", [{"id": 1, "text": "hemmelig asfaltering"}], content_type="application/json"
    ).json()
    assert 8 not in [match["id"] for match in answer[0]["matches"]]


def test_a_match_that_cannot_say_why_is_not_shown(corpus):
    """ "Planlegging" and "Asfaltering" share an ending, enough for BM25 to rank them, but no reason."""
    services.upsert(
        "need:8", kind=DocumentKind.NEED, title="Planlegging", text="Planlegging av skolemat", language="nb"
    )
    index = services.current().index
    query = services.query_for("Brøyting og strøing", "nb")
    assert index.search(query)  # the raw ranking finds something
    assert services.similar(query) == []
    found = services.similar(services.query_for("Sensorer for eldre", "nb"))
    assert found
    assert all(not match.why.empty for match in found)


def test_within_ranks_only_the_documents_named_however_far_down_they_would_come(corpus):
    services.upsert(
        "need:9", kind=DocumentKind.NEED, title="Asfalt", text="Asfaltering og gater", language="nb"
    )
    query = services.query_for("asfaltering av vägar och gator", "sv")
    assert services.similar(query, top=1)[0].key == "notice:TED-2"
    [only] = services.similar(query, top=1, within=["need:9"])
    assert only.key == "need:9"
    assert services.similar(query, within=[]) == []


def test_api_match_similar_shows_a_token_caller_its_own_invited_only_needs(client, personas):
    from skala.needs.tests.test_api import bearer
    from skala.needs.tests.test_flow import publish_need

    need = publish_need(personas.oslo, "Hemmelig asfaltering", "Asfaltering av gater", visibility="invited")
    body = [{"id": 1, "text": "hemmelig asfaltering"}]

    def found(**headers) -> list:
        response = client.post("/api/v1/match/similar", body, content_type="application/json", **headers)
        return [match["id"] for match in response.json()[0]["matches"]]

    assert need.pk not in found()
    assert need.pk in found(headers=bearer(personas.owner))
    assert need.pk not in found(headers=bearer(personas.other_buyer))
    need.invited_organisations.add(personas.stavanger)
    assert need.pk in found(headers=bearer(personas.other_buyer))
    office_need = publish_need(
        personas.sykehjemsetaten, "Hemmelig asfaltering ved sykehjem", "Asfaltering", visibility="invited"
    )
    client.force_login(personas.editor)  # a member of the office, by session (the corpus knows Oslo)
    assert office_need.pk in found()
    assert need.pk not in found()  # the office's people do not see what Oslo shares with others
