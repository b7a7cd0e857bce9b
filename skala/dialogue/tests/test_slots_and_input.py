"""One-to-one slots never double-booked; input confidential to the hosts; questions answered to all."""

import datetime
import re
import threading

import pytest
from django.db import connection, connections

from skala.dialogue import services
from skala.dialogue.models import Booking, MeetingKind, QuestionKind
from skala.dialogue.tests.builders import make_meeting, make_need, make_supplier
from skala.needs.services import invite

pytestmark = pytest.mark.django_db


def slots_for(meeting, count=3):
    start = meeting.starts_at
    return services.make_slots(meeting, start, start + datetime.timedelta(minutes=35 * count), 30, 5)


def test_slots_are_equal_and_a_supplier_books_at_most_its_share(personas):
    meeting = make_meeting(make_need(personas.oslo), kind=MeetingKind.ONE_TO_ONE)
    slots = slots_for(meeting, 3)
    assert [(slot.ends_at - slot.starts_at).seconds for slot in slots] == [1800] * 3
    supplier, user = make_supplier(1)
    services.book(slots[0], supplier, user)
    with pytest.raises(services.DialogueError, match="already booked 1"):
        services.book(slots[1], supplier, user)
    other, other_user = make_supplier(2)
    with pytest.raises(services.DialogueError, match="booked that slot"):
        services.book(slots[0], other, other_user)


def test_the_per_supplier_limit_is_configurable(personas):
    meeting = make_meeting(make_need(personas.oslo), kind=MeetingKind.ONE_TO_ONE, bookings_per_supplier=2)
    slots = slots_for(meeting, 3)
    supplier, user = make_supplier(1)
    services.book(slots[0], supplier, user)
    services.book(slots[1], supplier, user)
    with pytest.raises(services.DialogueError):
        services.book(slots[2], supplier, user)


@pytest.mark.django_db(transaction=True)
def test_two_suppliers_booking_one_slot_at_the_same_moment_get_it_once(personas):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent bookings are tested on PostgreSQL, where writers really run at once")
    meeting = make_meeting(make_need(personas.oslo), kind=MeetingKind.ONE_TO_ONE)
    [slot] = slots_for(meeting, 1)
    contenders = [make_supplier(n) for n in range(8)]
    barrier = threading.Barrier(len(contenders))
    outcomes = []

    def attempt(supplier, user):
        try:
            barrier.wait()
            services.book(slot, supplier, user)
            outcomes.append("booked")
        except services.DialogueError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=pair) for pair in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked"] + ["refused"] * 7
    assert Booking.objects.filter(slot=slot).count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_supplier_booking_two_slots_at_once_gets_one(personas):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent bookings are tested on PostgreSQL, where writers really run at once")
    meeting = make_meeting(make_need(personas.oslo), kind=MeetingKind.ONE_TO_ONE)
    slots = slots_for(meeting, 6)
    supplier, user = make_supplier(1)
    barrier = threading.Barrier(len(slots))

    def attempt(slot):
        try:
            barrier.wait()
            services.book(slot, supplier, user)
        except services.DialogueError:
            pass
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(slot,)) for slot in slots]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Booking.objects.filter(supplier=supplier).count() == 1


def question(meeting, kind=QuestionKind.TEXT, **fields):
    return meeting.questions.create(kind=kind, text=fields.pop("text", "Hva trenger dere å vite?"), **fields)


def test_answers_are_validated_against_the_question(personas):
    meeting = make_meeting(make_need(personas.oslo))
    supplier, user = make_supplier(1)
    with pytest.raises(services.DialogueError, match="the limit is 4000"):
        services.answer_question(question(meeting), supplier, user, text="x" * 4001)
    single = question(meeting, QuestionKind.SINGLE, choices=["Ja", "Nei"])
    with pytest.raises(services.DialogueError, match="choices"):
        services.answer_question(single, supplier, user, choices=["Kanskje"])
    scale = question(meeting, QuestionKind.SCALE, scale_min=1, scale_max=5)
    with pytest.raises(services.DialogueError, match="from 1 to 5"):
        services.answer_question(scale, supplier, user, number=9)
    services.answer_question(scale, supplier, user, number=4)
    services.answer_question(scale, supplier, user, number=5)  # a changed answer replaces the first
    assert scale.answers.get().number == 5


def test_a_suppliers_answers_are_read_by_the_hosts_and_itself_only(client, personas):
    meeting = make_meeting(make_need(personas.oslo))
    asked = question(meeting)
    services.answer_question(asked, personas.startup_org, personas.startup, text="Vi trenger brukerinnsikt")
    url = f"/nb/dialogue/{meeting.pk}/"
    client.force_login(personas.supplier)
    assert "Vi trenger brukerinnsikt" not in client.get(url).text
    client.force_login(personas.facilitator)
    assert "Vi trenger brukerinnsikt" not in client.get(url).text
    client.force_login(personas.colleague)
    assert "Vi trenger brukerinnsikt" in client.get(url).text
    client.force_login(personas.startup)
    assert "Vi trenger brukerinnsikt" in client.get(url).text


def test_suppliers_answer_through_the_page(client, personas):
    meeting = make_meeting(make_need(personas.oslo))
    text = question(meeting)
    choice = question(
        meeting, QuestionKind.MULTIPLE, text="Hva er viktigst?", choices=["Pris", "Tid", "Brukere"]
    )
    client.force_login(personas.startup)
    client.post(
        f"/nb/dialogue/{meeting.pk}/answers/before/",
        {
            f"before-q{text.pk}": "Mer om brukerne",
            f"before-q{choice.pk}": ["Tid", "Brukere"],
            "before-shareable": "on",
        },
    )
    assert text.answers.get().text == "Mer om brukerne"
    assert text.answers.get().shareable
    assert choice.answers.get().choices == ["Tid", "Brukere"]
    long = client.post(
        f"/en/dialogue/{meeting.pk}/answers/before/",
        {f"before-q{text.pk}": "x" * 4001, f"before-q{choice.pk}": ["Pris"]},
    )
    assert long.status_code == 400
    assert "4000" in long.text
    pris = re.search(r'<input[^>]*value="Pris"[^>]*>', long.text).group(0)
    assert "checked" in pris  # what was sent is kept
    assert text.answers.get().text == "Mer om brukerne"


def test_a_question_from_one_supplier_is_answered_once_for_all(
    client, personas, mailoutbox, django_capture_on_commit_callbacks, run_db_worker
):
    meeting = make_meeting(make_need(personas.oslo))
    services.register(meeting, personas.supplier_org, personas.supplier, [("A", "a@test.example")])
    client.force_login(personas.startup)
    client.post(f"/nb/dialogue/{meeting.pk}/ask/", {"text": "Hvor mange brukere gjelder det?"})
    asked = meeting.supplier_questions.get()
    own = client.get(f"/en/dialogue/{meeting.pk}/").text
    assert "Hvor mange brukere gjelder det?" in own  # the asker sees it wait
    assert "Your question waits for the buyer's answer" in own
    client.force_login(personas.supplier)
    assert (
        "Hvor mange brukere gjelder det?" not in client.get(f"/nb/dialogue/{meeting.pk}/").text
    )  # not yet answered
    client.force_login(personas.owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/nb/dialogue/{meeting.pk}/asked/{asked.pk}/answer/", {"answer": "Omtrent 400."})
    run_db_worker()
    client.force_login(personas.supplier)
    page = client.get(f"/nb/dialogue/{meeting.pk}/").text
    assert "Hvor mange brukere gjelder det?" in page
    assert "Omtrent 400." in page
    assert personas.startup_org.name not in page  # who asked is not told
    assert any("Omtrent 400." in message.body for message in mailoutbox)


def test_followers_of_the_joint_process_co_host_on_the_same_footing(client, personas):
    need = make_need(personas.oslo)
    participant, _created = invite(need, personas.stavanger, "follower", "Opsjon", personas.owner)
    participant.answer(accept=True)
    meeting = make_meeting(need)
    assert {host.organisation for host in meeting.hosts.all()} == {personas.oslo, personas.stavanger}
    client.force_login(personas.other_buyer)  # editor in Stavanger, the follower
    assert client.get(f"/nb/dialogue/{meeting.pk}/edit/").status_code == 200
    services.answer_question(
        question(meeting), personas.startup_org, personas.startup, text="Konfidensielt svar"
    )
    assert "Konfidensielt svar" in client.get(f"/nb/dialogue/{meeting.pk}/").text


def test_a_buyer_that_leaves_after_joining_hosts_no_more(client, personas):
    """Its co-host row was made while it had joined; the suppliers' input is not its to read now."""
    from skala.needs.services import leave

    need = make_need(personas.oslo)
    participant, _created = invite(need, personas.stavanger, "partner", "Sammen", personas.owner)
    participant.answer(accept=True)
    meeting = make_meeting(need)
    services.answer_question(
        question(meeting), personas.startup_org, personas.startup, text="Konfidensielt svar"
    )
    assert leave(participant)
    client.force_login(personas.other_buyer)  # editor in Stavanger
    assert "Konfidensielt svar" not in client.get(f"/nb/dialogue/{meeting.pk}/").text
    assert client.get(f"/nb/dialogue/{meeting.pk}/edit/").status_code == 403
    assert client.get(f"/api/v1/dialogue/meetings/{meeting.pk}/answers").json() == []
    assert {host.organisation for host in meeting.hosts.all()} == {personas.oslo}


def test_a_buyer_that_joins_after_the_meetings_were_planned_hosts_them_all(client, personas):
    """A participant sees the need's whole dialogue: the meetings held and planned before it joined too."""
    from skala.needs.services import answer

    need = make_need(personas.oslo)
    held = make_meeting(need, days=-7, title="Holdt møte")
    planned = make_meeting(need, publish=False, title="Planlagt møte")
    services.answer_question(
        question(held), personas.startup_org, personas.startup, text="Konfidensielt svar"
    )
    participant, _created = invite(need, personas.stavanger, "follower", "Opsjon", personas.owner)
    client.force_login(personas.other_buyer)  # editor in Stavanger, invited but not yet joined
    assert "Konfidensielt svar" not in client.get(f"/nb/dialogue/{held.pk}/").text
    assert client.get(f"/nb/dialogue/{planned.pk}/").status_code == 403
    assert answer(participant, accept=True)
    for meeting in (held, planned):
        assert {host.organisation for host in meeting.hosts.all()} == {personas.oslo, personas.stavanger}
    assert "Konfidensielt svar" in client.get(f"/nb/dialogue/{held.pk}/").text
    assert [a["text"] for a in client.get(f"/api/v1/dialogue/meetings/{held.pk}/answers").json()] == [
        "Konfidensielt svar"
    ]
    assert client.get(f"/nb/dialogue/{planned.pk}/edit/").status_code == 200


def test_a_published_meeting_alerts_subscribers(personas, run_db_worker, django_capture_on_commit_callbacks):
    from skala.suppliers.models import Alert, Subscription

    Subscription.objects.create(
        organisation=personas.startup_org, user=personas.startup, keywords="nattilsyn", name="Natt"
    )
    with django_capture_on_commit_callbacks(execute=True):
        meeting = make_meeting(make_need(personas.oslo))
    run_db_worker()
    alert = Alert.objects.get(kind="meeting")
    assert alert.key == f"meeting:{meeting.pk}"


def test_a_buyer_whose_need_moved_to_another_buyer_leads_no_more(client, personas):
    meeting = make_meeting(make_need(personas.oslo))
    services.answer_question(question(meeting), personas.startup_org, personas.startup, text="Konfidensielt")
    need = meeting.need
    need.organisation = personas.stavanger
    need.save()
    client.force_login(personas.colleague)  # viewer in Oslo, the old owner
    assert "Konfidensielt" not in client.get(f"/nb/dialogue/{meeting.pk}/").text
    services.sync_hosts(meeting)
    assert {host.organisation for host in meeting.hosts.all()} == {personas.stavanger}


def test_the_meeting_list_asks_the_same_queries_for_one_meeting_or_ten(
    client, personas, django_assert_max_num_queries
):
    need = make_need(personas.oslo)
    participant, _created = invite(need, personas.stavanger, "partner", "", personas.owner)
    participant.answer(accept=True)
    make_meeting(need)
    with django_assert_max_num_queries(8) as one:
        client.get("/api/v1/dialogue/meetings")
    for _ in range(9):
        make_meeting(need)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get("/api/v1/dialogue/meetings").json()) == 10


def test_questions_before_a_meeting_close_when_it_ends_and_those_after_open_when_it_begins(client, personas):
    past = make_meeting(make_need(personas.oslo), days=-10)
    before = question(past)
    after = question(past, text="Hvordan var møtet?")
    after.phase = "after"
    after.save()
    client.force_login(personas.startup)
    page = client.get(f"/en/dialogue/{past.pk}/")
    assert [phase for phase, _label, _form in page.context["answer_forms"]] == ["after"]
    client.post(f"/en/dialogue/{past.pk}/answers/before/", {f"before-q{before.pk}": "For sent"})
    assert not before.answers.exists()
    client.post(f"/en/dialogue/{past.pk}/answers/after/", {f"after-q{after.pk}": "Nyttig"})
    assert after.answers.get().text == "Nyttig"


def test_the_hosts_page_offers_only_the_forms_the_kind_of_meeting_uses(client, personas):
    client.force_login(personas.owner)
    information = client.get(
        f"/en/dialogue/{make_meeting(make_need(personas.oslo), kind='information').pk}/"
    ).text
    assert "Make one-to-one slots" not in information
    assert "Workshop notes" not in information
    one_to_one = client.get(
        f"/en/dialogue/{make_meeting(make_need(personas.oslo), kind='one_to_one').pk}/"
    ).text
    assert "Make one-to-one slots" in one_to_one
    workshop = client.get(f"/en/dialogue/{make_meeting(make_need(personas.oslo)).pk}/").text
    assert "Workshop notes" in workshop
