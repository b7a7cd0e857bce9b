"""The migration that links every alert to its need fills the link from the alert's key."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("suppliers", "0002_proposalrouting"), ("dialogue", "0001_initial")]
AFTER = [("suppliers", "0003_alert_need")]


@pytest.mark.django_db(transaction=True)
def test_alerts_are_linked_to_their_needs_and_alerts_of_needs_that_are_gone_deleted():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    organisations = apps.get_model("orgs", "Organisation")
    needs = apps.get_model("needs", "Need")
    meetings = apps.get_model("dialogue", "Meeting")
    buyer = organisations.objects.create(name="Oslo kommune", kind="buyer")
    supplier = organisations.objects.create(name="Leverandør AS", kind="supplier")
    need = needs.objects.create(organisation=buyer, title="Nattilsyn", problem="x", status="published")
    moment = datetime(2026, 6, 1, 10, tzinfo=UTC)
    meeting = meetings.objects.create(
        need=need, title="Dialogmøte", starts_at=moment, ends_at=moment, registration_deadline=moment
    )
    person = apps.get_model("orgs", "User").objects.create(email="leverandor@test.example")
    subscriptions = apps.get_model("suppliers", "Subscription")
    alerts = apps.get_model("suppliers", "Alert")
    subscription = subscriptions.objects.create(organisation=supplier, user=person, name="Alt", keywords="x")
    for kind, key in (
        ("need", f"need:{need.pk}"),
        ("meeting", f"meeting:{meeting.pk}"),
        ("need", "need:999999"),
        ("notice", "notice:TED-1"),
    ):
        alerts.objects.create(subscription=subscription, kind=kind, key=key, title=key, url="/")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    alerts = executor.loader.project_state(AFTER).apps.get_model("suppliers", "Alert")
    linked = dict(alerts.objects.values_list("key", "need_id"))
    assert linked == {f"need:{need.pk}": need.pk, f"meeting:{meeting.pk}": need.pk, "notice:TED-1": None}

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
