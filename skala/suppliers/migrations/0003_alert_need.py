import django.db.models.deletion
from django.db import migrations, models


def link_alerts_to_their_needs(apps, schema_editor):
    """need:<id> alerts to that need, meeting:<id> alerts to the meeting's need; alerts of needs that
    are gone are deleted, as they now would be with their need."""
    Alert = apps.get_model("suppliers", "Alert")
    Need = apps.get_model("needs", "Need")
    Meeting = apps.get_model("dialogue", "Meeting")
    needs = set(Need.objects.values_list("pk", flat=True))
    need_of_meeting = dict(Meeting.objects.values_list("pk", "need_id"))
    for alert in Alert.objects.filter(kind__in=["need", "meeting"]).iterator():
        kind, _colon, number = alert.key.partition(":")
        need_id = None
        if number.isdigit():
            need_id = int(number) if kind == "need" else need_of_meeting.get(int(number))
        if need_id in needs:
            Alert.objects.filter(pk=alert.pk).update(need_id=need_id)
        elif kind == "need":
            alert.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("needs", "0003_participant_leaves"),
        ("dialogue", "0001_initial"),
        ("suppliers", "0002_proposalrouting"),
    ]

    operations = [
        migrations.AddField(
            model_name="alert",
            name="need",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="needs.need",
            ),
        ),
        migrations.RunPython(link_alerts_to_their_needs, migrations.RunPython.noop),
    ]
