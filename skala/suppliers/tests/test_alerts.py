"""Subscriptions: alerts when a matching need or notice is published, digests with a working unsubscribe."""

import json
import logging

import pytest
from django.core import mail
from django.core.management import call_command

from skala.needs.models import Need, NeedStatus
from skala.procedures.notice_import import import_notices
from skala.reference.models import County
from skala.suppliers.alerts import Published, alert, keyword_matches, send_digests, why_it_matches
from skala.suppliers.models import Alert, Subscription
from skala.suppliers.tests.builders import NIGHT_NEED, publish_need

pytestmark = pytest.mark.django_db


def subscribe(personas, **fields) -> Subscription:
    regions = fields.pop("regions", [])
    buyers = fields.pop("buyers", [])
    subscription = Subscription.objects.create(
        organisation=personas.startup_org, user=personas.startup, name="Tilsyn", **fields
    )
    subscription.regions.set(regions)
    subscription.buyers.set(buyers)
    return subscription


def item(text, title="Behov", cpv=(), county_id=None, buyer_ids=(), language="nb") -> Published:
    return Published(
        "need", "need:1", title, text, "/nb/needs/1/", list(cpv), county_id, set(buyer_ids), language
    )


def need_alert(subscription, personas, **fields) -> Alert:
    """An alert, not yet e-mailed, for a published public need."""
    from skala.suppliers.tasks import published_need

    need = publish_need(personas.oslo, "Nattilsyn", NIGHT_NEED[1], **fields)
    assert alert(subscription, published_need(need))  # as the task that follows publishing does
    return Alert.objects.get(key=f"need:{need.pk}")


@pytest.mark.parametrize(
    ("keyword", "text", "language"),
    [
        ("alarm", "Vi trenger nye trygghetsalarmer", "nb"),  # inside a compound
        ("sensorer", "En sensor som varsler", "nb"),  # by stem
        ("larm", "Trygghetslarm för äldre", "sv"),
        ("nattilsyn", "Digitalt nattilsyn", "nb"),
        ("sensorerna", "Sensorene varsler om natten", "nb"),  # Swedish keyword, Norwegian text
    ],
)
def test_keywords_match_by_stem_in_any_language(keyword, text, language):
    assert keyword_matches(keyword, item(text, language=language))


def test_a_keyword_that_is_not_there_does_not_match():
    assert not keyword_matches("skolemat", item("Digitalt nattilsyn"))


def test_every_kind_a_subscription_names_must_match(personas):
    oslo_county = personas.oslo.municipality.county
    subscription = subscribe(personas, cpv_prefixes=["8531"], keywords="sensor", regions=[oslo_county])
    assert why_it_matches(subscription, item("sensor", cpv=["85310000"], county_id=oslo_county.pk))
    assert why_it_matches(subscription, item("sensor", cpv=["45000000"], county_id=oslo_county.pk)) is None
    assert why_it_matches(subscription, item("asfalt", cpv=["85310000"], county_id=oslo_county.pk)) is None
    other = County.objects.exclude(pk=oslo_county.pk).first()
    assert why_it_matches(subscription, item("sensor", cpv=["85310000"], county_id=other.pk)) is None


def test_publishing_a_need_alerts_matching_subscribers_through_a_task(
    client, personas, django_capture_on_commit_callbacks, run_db_worker
):
    subscribe(personas, keywords="sensor, fall", buyers=[personas.oslo])
    subscribe(personas, keywords="skolemat")
    need = Need.objects.create(
        organisation=personas.sykehjemsetaten, title=NIGHT_NEED[0], problem=NIGHT_NEED[1]
    )
    client.force_login(personas.editor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/nb/needs/{need.pk}/publish/")
    run_db_worker()
    alert = Alert.objects.get()
    assert (alert.kind, alert.key, alert.title) == ("need", f"need:{need.pk}", NIGHT_NEED[0])
    assert "sensor" in alert.why
    assert "fall" in alert.why
    client.force_login(personas.startup)
    assert NIGHT_NEED[0] in client.get("/nb/suppliers/alerts/").text


def test_a_need_for_invited_organisations_only_alerts_no_one(
    personas, run_db_worker, django_capture_on_commit_callbacks
):
    subscribe(personas, keywords="sensor")
    need = publish_need(personas.oslo, *NIGHT_NEED, status=NeedStatus.DRAFT, visibility="invited")
    with django_capture_on_commit_callbacks(execute=True):
        need.publish()
    run_db_worker()
    assert not Alert.objects.exists()


def test_imported_notices_alert_subscribers(
    personas, tmp_path, run_db_worker, django_capture_on_commit_callbacks
):
    subscribe(personas, cpv_prefixes=["33196"])
    path = tmp_path / "notices.jsonl"
    lines = [
        {"id": "N-1", "title": "Fallalarmer", "cpv": ["33196200"]},
        {"id": "N-2", "title": "Asfalt", "cpv": ["45233222"]},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines))
    with django_capture_on_commit_callbacks(execute=True):
        import_notices(path)
    run_db_worker()
    assert list(Alert.objects.values_list("key", flat=True)) == ["notice:N-1"]


def test_the_digest_carries_new_alerts_once_with_an_unsubscribe_link(client, personas, settings):
    settings.SITE_URL = "https://skala.example"
    subscription = subscribe(personas, keywords="sensor")
    alert = need_alert(subscription, personas)
    report = send_digests("daily")
    assert (report.sent, report.alerts) == (1, 1)
    message = mail.outbox[0]
    assert message.to == [personas.startup.email]
    assert f"https://skala.example{alert.url}" in message.body
    unsubscribe = f"https://skala.example{subscription.get_unsubscribe_url()}"
    assert unsubscribe in message.body
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert send_digests("daily").sent == 0  # nothing new, nothing sent

    path = subscription.get_unsubscribe_url()
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 200  # one click, no session, no CSRF token
    subscription.refresh_from_db()
    assert not subscription.active


class BrokenBackend:
    """An e-mail server that is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_a_digest_that_cannot_be_sent_is_retried_logged_and_kept(personas, settings, caplog):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenBackend"
    subscription = subscribe(personas, keywords="sensor")
    alert = need_alert(subscription, personas)
    with caplog.at_level(logging.WARNING, logger="skala.suppliers.alerts"):
        report = send_digests("daily", pause=0)
    assert report.failed == 1
    assert len([r for r in caplog.records if "(attempt" in r.getMessage()]) == 3
    assert any("wait for the next run" in r.getMessage() for r in caplog.records)
    alert.refresh_from_db()
    assert alert.emailed_at is None
    assert alert.email_attempts == 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_digests("daily").alerts == 1


def test_the_digest_command_dry_run_sends_nothing(personas, capsys):
    subscription = subscribe(personas, keywords="sensor", frequency="weekly")
    need_alert(subscription, personas)
    call_command("send_digests", "weekly", "--dry-run")
    assert "Would send 1 digests with 1 alerts" in capsys.readouterr().out
    assert mail.outbox == []


def test_a_subscription_needs_a_criterion_and_is_only_for_suppliers(client, personas):
    client.force_login(personas.startup)
    response = client.post(
        "/en/suppliers/subscriptions/", {"name": "Alt", "frequency": "daily", "active": "on"}
    )
    assert "Give at least one CPV code" in response.text
    client.post(
        "/en/suppliers/subscriptions/",
        {"name": "Tilsyn", "cpv": "85 33196", "frequency": "weekly", "active": "on"},
    )
    assert Subscription.objects.get().cpv_prefixes == ["85", "33196"]
    client.force_login(personas.other_buyer)
    assert client.get("/en/suppliers/subscriptions/").context["form"] is None
    subscription = Subscription.objects.get()
    assert client.post(f"/en/suppliers/subscriptions/{subscription.pk}/", {"delete": "1"}).status_code == 403


def test_a_new_subscription_hears_at_once_of_the_open_needs_it_matches(
    client, personas, django_capture_on_commit_callbacks, run_db_worker
):
    open_need = publish_need(personas.oslo, *NIGHT_NEED)
    publish_need(personas.oslo, "Skolemat", "Sunn lunsj i skolen")
    publish_need(personas.oslo, "Sensorer i utkast", "Sensor", status=NeedStatus.DRAFT)
    client.force_login(personas.startup)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/en/suppliers/subscriptions/",
            {"name": "Tilsyn", "keywords": "sensor", "frequency": "weekly", "active": "on"},
        )
    run_db_worker()
    assert [alert.key for alert in Alert.objects.all()] == [f"need:{open_need.pk}"]


def test_a_search_for_needs_becomes_a_subscription_with_one_press(client, personas):
    client.force_login(personas.startup)
    page = client.get("/en/needs/?q=trygghetsalarm&division=85").text
    assert (
        "/en/suppliers/subscriptions/?keywords=trygghetsalarm&amp;cpv=85&amp;region=#subscription-form"
        in page
    )
    form = client.get("/en/suppliers/subscriptions/?keywords=trygghetsalarm&cpv=85&region=").context["form"]
    assert (form["keywords"].value(), form["cpv"].value()) == ("trygghetsalarm", "85")
    client.force_login(personas.owner)  # a buyer is offered no alerts
    assert "Get alerts for new needs like these" not in client.get("/en/needs/?q=trygghetsalarm").text


def test_a_need_made_invited_only_after_it_alerted_is_no_longer_named_to_the_subscriber(client, personas):
    """Nor is its meeting: both were public when they alerted."""
    from skala.dialogue.tests.builders import make_meeting
    from skala.suppliers.alerts import alert as alert_for
    from skala.suppliers.tasks import published_need

    subscription = subscribe(personas, keywords="sensor")
    alert = need_alert(subscription, personas)
    need = Need.objects.get(pk=alert.key.split(":")[1])
    assert alert.need == need
    meeting = make_meeting(need, publish=False, title="Dialogmøte")
    item = published_need(need)  # as alert_for_meeting builds it
    item.kind, item.key, item.title = "meeting", f"meeting:{meeting.pk}", meeting.title
    assert alert_for(subscription, item)
    assert Alert.objects.get(kind="meeting").need == need
    need.visibility = "invited"
    need.save()
    client.force_login(personas.startup)
    assert "Nattilsyn" not in client.get("/nb/suppliers/alerts/").text
    assert "Dialogmøte" not in client.get("/nb/suppliers/alerts/").text
    assert client.get("/api/v1/alerts").json()["items"] == []
    assert send_digests("daily").sent == 0
    need.visibility = "public"
    need.save()
    assert {a["title"] for a in client.get("/api/v1/alerts").json()["items"]} == {"Nattilsyn", "Dialogmøte"}
    assert send_digests("daily").alerts == 2  # kept, unsent, while it was hidden
    meeting.delete()
    need.delete()
    assert not Alert.objects.exists()  # an alert goes with its need
