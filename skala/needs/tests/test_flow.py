"""The joint-process story end to end, through the pages: publish, find similar, invite, accept, see."""

import pytest

from skala.needs.models import JointProcess, Need, NeedStatus, Participant
from skala.needs.services import sync_to_corpus
from skala.reference.models import CpvCode

pytestmark = pytest.mark.django_db


def need_form(organisation, **changes) -> dict:
    data = {
        "organisation": organisation.pk,
        "title": "Digitalt tilsyn om natten i hjemmetjenesten",
        "problem": "Nattevakter i hjemmetjenesten bruker mye tid på fysiske tilsyn hos eldre som sover.",
        "affected": "Eldre hjemmeboende og ansatte i hjemmetjenesten",
        "current_practice": "Fysiske tilsyn flere ganger per natt",
        "desired_outcome": "Trygt digitalt tilsyn med sensorer og kamera",
        "cpv": "85310000",
        "sdgs": ["3"],
        "estimated_value": "2000000",
        "horizon_months": "24",
        "language": "",
        "visibility": "public",
    }
    data.update(changes)
    return data


def publish_need(organisation, title: str, problem: str, cpv: str = "85310000", visibility="public") -> Need:
    need = Need.objects.create(
        organisation=organisation,
        title=title,
        problem=problem,
        status=NeedStatus.PUBLISHED,
        visibility=visibility,
    )
    need.cpv_codes.set(CpvCode.objects.filter(code8=cpv))
    sync_to_corpus(need)
    return need


def test_editor_creates_a_draft_then_publishes_it(client, personas):
    client.force_login(personas.owner)
    response = client.post("/nb/needs/new/", need_form(personas.oslo))
    assert response.status_code == 302
    need = Need.objects.get()
    assert need.status == NeedStatus.DRAFT
    assert list(need.cpv_codes.values_list("code8", flat=True)) == ["85310000"]
    assert client.get("/nb/needs/").context["page"].paginator.count == 1
    client.logout()
    assert client.get(f"/nb/needs/{need.pk}/").status_code == 403

    client.force_login(personas.owner)
    client.post(f"/nb/needs/{need.pk}/publish/")
    need.refresh_from_db()
    assert need.status == NeedStatus.PUBLISHED
    client.logout()
    assert client.get(f"/nb/needs/{need.pk}/").status_code == 200


def test_unknown_cpv_code_is_an_error_on_the_field(client, personas):
    client.force_login(personas.owner)
    response = client.post("/en/needs/new/", need_form(personas.oslo, cpv="85310000 99999999 12ab"))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["cpv"]


def test_buyer_cannot_edit_another_buyers_need(client, personas):
    need = publish_need(personas.oslo, "Digitalt tilsyn", "Nattlig tilsyn i hjemmetjenesten")
    client.force_login(personas.other_buyer)
    assert client.get(f"/nb/needs/{need.pk}/edit/").status_code == 403
    assert client.post(f"/nb/needs/{need.pk}/publish/").status_code == 403
    assert (
        client.post(f"/nb/needs/{need.pk}/edit/", need_form(personas.oslo, title="Overtatt")).status_code
        == 403
    )
    need.refresh_from_db()
    assert need.title == "Digitalt tilsyn"


def test_supplier_cannot_publish_needs(client, personas):
    client.force_login(personas.supplier)
    assert client.get("/nb/needs/new/").status_code == 403


def test_similar_needs_of_other_buyers_across_countries(client, personas):
    ours = publish_need(
        personas.oslo,
        "Digitalt tilsyn om natten",
        "Nattlig digitalt tilsyn med sensorer hos eldre i hjemmetjenesten",
    )
    theirs = publish_need(
        personas.stavanger, "Sensorer for nattilsyn", "Digitalt nattilsyn med sensorer for eldre hjemmeboende"
    )
    publish_need(
        personas.stavanger, "Asfaltering av veier", "Nye veier og fortau må asfalteres", cpv="45233222"
    )
    client.force_login(personas.owner)
    response = client.get(f"/en/needs/{ours.pk}/")
    similar = response.context["similar"]
    assert similar[0].need == theirs
    assert "sensor" in similar[0].match.why.terms
    assert similar[0].match.why.cpv == ("code", "85310000")
    assert "Stavanger kommune" in response.context["other_buyers"]
    assert response.context["suggestions"], "CPV codes are suggested to the editor"


def test_invited_only_need_is_hidden_from_others(client, personas):
    need = publish_need(personas.oslo, "Hemmelig behov", "Kun for inviterte", visibility="invited")
    client.force_login(personas.other_buyer)
    assert client.get(f"/nb/needs/{need.pk}/").status_code == 403
    need.invited_organisations.add(personas.stavanger)
    assert client.get(f"/nb/needs/{need.pk}/").status_code == 200


def test_joint_process_invite_a_follower_who_accepts_and_sees_the_need(client, personas):
    need = publish_need(
        personas.oslo, "Digitalt tilsyn om natten", "Nattlig tilsyn med sensorer", visibility="invited"
    )
    client.force_login(personas.owner)
    response = client.post(
        f"/en/needs/{need.pk}/process/invite/",
        {
            "organisation": personas.stavanger.pk,
            "role": "follower",
            "option_terms": "Up to 200 homes until 2028",
        },
    )
    assert response.status_code == 302
    participant = Participant.objects.get()
    assert (participant.role, participant.status) == ("follower", "invited")
    assert JointProcess.objects.get().lead == personas.oslo

    client.force_login(personas.other_buyer)
    page = client.get(f"/en/needs/{need.pk}/")
    assert page.status_code == 200
    assert page.context["my_invitations"] == [participant]
    client.post(f"/en/needs/{need.pk}/process/{participant.pk}/answer/", {"answer": "accept"})
    participant.refresh_from_db()
    assert participant.status == "accepted"
    assert need in client.get("/en/needs/").context["page"].object_list
    # A follower reads the shared need; only the lead edits it.
    assert client.get(f"/en/needs/{need.pk}/edit/").status_code == 403


def test_only_the_invited_organisation_answers(client, personas):
    need = publish_need(personas.oslo, "Behov", "Tekst")
    process = JointProcess.objects.create(need=need)
    participant = Participant.objects.create(process=process, organisation=personas.stavanger, role="partner")
    client.force_login(personas.supplier)
    assert (
        client.post(f"/en/needs/{need.pk}/process/{participant.pk}/answer/", {"answer": "accept"}).status_code
        == 403
    )
    participant.refresh_from_db()
    assert participant.status == "invited"


def test_search_finds_needs_by_words_in_another_language(client, personas):
    publish_need(personas.oslo, "Trygghetsalarmer", "Digitale trygghetsalarmer for hjemmeboende eldre")
    publish_need(personas.stavanger, "Skolemat", "Sunn lunsj i skolen")
    response = client.get("/nb/needs/", {"q": "trygghetslarm för äldre"})
    titles = [need.title for need in response.context["page"].object_list]
    assert titles[0] == "Trygghetsalarmer"


def test_filters_by_status_and_goal(client, personas):
    need = publish_need(personas.oslo, "Behov", "Tekst")
    need.sdgs.add(3)
    assert client.get("/nb/needs/", {"sdg": "3"}).context["page"].paginator.count == 1
    assert client.get("/nb/needs/", {"sdg": "4"}).context["page"].paginator.count == 0
    assert client.get("/nb/needs/", {"status": "closed"}).context["page"].paginator.count == 0
    assert client.get("/nb/needs/", {"division": "85"}).context["page"].paginator.count == 1


def listed(client, **filters) -> list[str]:
    return [need.title for need in client.get("/nb/needs/", filters).context["page"].object_list]


def test_a_units_need_is_found_under_its_organisations_municipality_county_and_name(client, personas):
    publish_need(personas.sykehjemsetaten, "Nattilsyn på sykehjem", "Tilsyn om natten")
    publish_need(personas.stavanger, "Skolemat", "Sunn lunsj i skolen")
    oslo = personas.oslo.municipality

    assert listed(client, municipality=oslo.pk) == ["Nattilsyn på sykehjem"]
    assert listed(client, county=oslo.county_id) == ["Nattilsyn på sykehjem"]
    assert listed(client, organisation=personas.oslo.pk) == ["Nattilsyn på sykehjem"]
    assert listed(client, organisation=personas.sykehjemsetaten.pk) == ["Nattilsyn på sykehjem"]
    assert listed(client, organisation=personas.stavanger.pk) == ["Skolemat"]
    assert (
        listed(client, municipality=personas.stavanger.municipality_id, organisation=personas.oslo.pk) == []
    )


def test_the_list_offers_only_the_buyers_and_places_of_needs_the_visitor_may_see(client, personas):
    publish_need(personas.sykehjemsetaten, "Nattilsyn på sykehjem", "Tilsyn om natten")
    publish_need(personas.stavanger, "Skjult behov", "Bare for inviterte", visibility="invited")

    context = client.get("/nb/needs/").context

    assert [buyer.name for buyer in context["buyers"]] == ["Oslo kommune", "Sykehjemsetaten"]
    assert [place.name for place in context["municipalities"]] == ["Oslo"]
    client.force_login(personas.other_buyer)  # Stavanger sees its own need, and so its own buyer and place
    context = client.get("/nb/needs/").context
    assert "Stavanger kommune" in [buyer.name for buyer in context["buyers"]]
    assert "Stavanger" in [place.name for place in context["municipalities"]]


def test_the_owner_moves_a_need_into_procurement_and_closes_it(client, personas):
    need = publish_need(personas.oslo, "Skolemat", "Sunn lunsj i skolen")
    client.force_login(personas.other_buyer)
    assert client.post(f"/nb/needs/{need.pk}/status/", {"status": "closed"}).status_code == 403
    client.force_login(personas.owner)
    page = client.get(f"/en/needs/{need.pk}/").text
    assert "Move into procurement" in page
    client.post(f"/nb/needs/{need.pk}/status/", {"status": "in_procurement"})
    need.refresh_from_db()
    assert need.status == NeedStatus.IN_PROCUREMENT
    response = client.post(f"/en/needs/{need.pk}/status/", {"status": "published"}, follow=True)
    assert "cannot become published" in response.text
    client.post(f"/nb/needs/{need.pk}/status/", {"status": "closed"})
    need.refresh_from_db()
    assert need.status == NeedStatus.CLOSED


def test_the_invited_buyer_is_told_by_e_mail(
    client, personas, mailoutbox, run_db_worker, django_capture_on_commit_callbacks
):
    need = publish_need(personas.oslo, "Digitalt tilsyn om natten", "Nattlig tilsyn med sensorer")
    client.force_login(personas.owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/en/needs/{need.pk}/process/invite/",
            {"organisation": personas.stavanger.pk, "role": "follower", "option_terms": "200 homes"},
        )
    run_db_worker()
    [message] = mailoutbox
    assert personas.other_buyer.email in message.to  # editor in Stavanger
    assert "Digitalt tilsyn om natten" in message.subject
    assert "200 homes" in message.body
    assert f"/en/needs/{need.pk}/" in message.body


def test_other_buyers_are_invited_only_to_a_published_need(client, personas):
    draft = Need.objects.create(organisation=personas.oslo, title="Utkast", problem="Tekst")
    client.force_login(personas.owner)
    response = client.post(
        f"/en/needs/{draft.pk}/process/invite/",
        {"organisation": personas.stavanger.pk, "role": "partner", "option_terms": ""},
        follow=True,
    )
    assert "Publish the need before you invite" in response.text
    assert not Participant.objects.exists()


def test_a_closed_needs_joint_process_takes_no_new_buyers(client, personas):
    need = publish_need(personas.oslo, "Avsluttet behov", "Tekst")
    need.move_to(NeedStatus.CLOSED)
    client.force_login(personas.owner)
    page = client.get(f"/en/needs/{need.pk}/")
    assert page.context["invite_form"] is None
    response = client.post(
        f"/en/needs/{need.pk}/process/invite/",
        {"organisation": personas.stavanger.pk, "role": "partner", "option_terms": ""},
        follow=True,
    )
    assert "The need is closed: its joint process takes no new buyers." in response.text
    api = client.post(
        f"/api/v1/needs/{need.pk}/process/invitations",
        {"organisation": personas.stavanger.pk, "role": "partner", "option_terms": ""},
        content_type="application/json",
    )
    assert api.status_code == 409
    assert not Participant.objects.exists()


def test_the_option_terms_are_marked_required_for_a_follower_not_optional(client, personas):
    need = publish_need(personas.oslo, "Behov", "Tekst")
    client.force_login(personas.owner)
    page = client.get(f"/nb/needs/{need.pk}/").text
    label = page[page.index('for="id_option_terms"') :].split("</label>")[0]
    assert "påkrevd for en følger" in label
    assert "valgfritt" not in label


def test_a_refused_invitation_keeps_what_was_typed_and_says_which_field(client, personas):
    need = publish_need(personas.oslo, "Digitalt tilsyn om natten", "Nattlig tilsyn med sensorer")
    client.force_login(personas.owner)
    response = client.post(
        f"/en/needs/{need.pk}/process/invite/",
        {"organisation": "", "role": "follower", "option_terms": "Up to 200 homes until 2028"},
    )
    assert response.status_code == 400
    assert "Up to 200 homes until 2028" in response.text
    assert "organisation" in response.context["invite_form"].errors
    assert not Participant.objects.exists()


def test_a_division_filter_that_is_no_division_says_so(client, personas):
    publish_need(personas.oslo, "Digitalt tilsyn om natten", "Nattlig tilsyn med sensorer")
    response = client.get("/en/needs/", {"division": "Health"})
    assert "Write a CPV division as two digits" in response.text
    assert response.context["page"].paginator.count == 0
    assert client.get("/en/needs/", {"division": "85"}).context["page"].paginator.count == 1


def test_a_buyer_already_in_the_process_is_not_offered_again(client, personas):
    from skala.needs.services import invite

    need = publish_need(personas.oslo, "Digitalt tilsyn om natten", "Nattlig tilsyn med sensorer")
    invite(need, personas.stavanger, "partner", "", personas.owner)
    client.force_login(personas.owner)
    offered = client.get(f"/en/needs/{need.pk}/").context["invite_form"].fields["organisation"].queryset
    assert personas.stavanger not in offered


def test_a_whole_code_with_its_check_digit_filters_by_its_division(client, personas):
    publish_need(personas.oslo, "Digitalt tilsyn om natten", "Nattlig tilsyn med sensorer")
    response = client.get("/en/needs/", {"division": "85000000-9"})
    assert response.context["page"].paginator.count == 1
    assert '<option value="85" selected>85 Health and social work services</option>' in response.text


@pytest.mark.parametrize(
    ("language", "label"),
    [("nb", "Helse- og sosial tjenesteyting"), ("sv", "Hälso- och sjukvård samt socialvård")],
)
def test_the_division_filter_offers_every_cpv_division_by_its_label_in_the_pages_language(
    client, language, label
):
    response = client.get(f"/{language}/needs/")

    divisions = response.context["divisions"]
    assert len(divisions) == CpvCode.objects.filter(code8__endswith="000000").count() == 45
    assert f'<option value="85">85 {label}</option>' in response.text


def test_who_was_invited_or_declined_and_on_what_terms_stays_inside_the_process(client, personas):
    from skala.needs.services import invite

    need = Need.objects.create(organisation=personas.oslo, title="Nattilsyn", problem="x")
    need.publish()
    joined, _created = invite(need, personas.stavanger, "follower", "Opsjon på 200 enheter", personas.owner)
    joined.answer(accept=True)
    _pending, _created = invite(need, personas.sykehjemsetaten, "partner", "Hemmelige vilkår", personas.owner)
    for outsider in (None, personas.supplier):
        if outsider:
            client.force_login(outsider)
        page = client.get(f"/en/needs/{need.pk}/").text
        assert "Stavanger kommune – follower with an option" in page
        assert "Opsjon på 200 enheter" not in page
        assert "Sykehjemsetaten" not in page.split('id="process-title"')[1].split("</section>")[0]
        api = client.get(f"/api/v1/needs/{need.pk}").json()["participants"]
        assert [(p["organisation"]["name"], p["option_terms"]) for p in api] == [("Stavanger kommune", "")]
    client.force_login(personas.other_buyer)  # an editor of Stavanger, which joined
    page = client.get(f"/en/needs/{need.pk}/").text
    assert "Opsjon på 200 enheter" in page
    assert "Hemmelige vilkår" in page
    assert len(client.get(f"/api/v1/needs/{need.pk}").json()["participants"]) == 2


def test_a_need_is_marked_with_the_language_it_is_written_in(client, personas):
    need = Need.objects.create(
        organisation=personas.stavanger, title="Trygghetslarm", problem="Larm", language="sv"
    )
    need.publish()
    page = client.get(f"/en/needs/{need.pk}/").text
    assert '<h1 lang="sv">Trygghetslarm' in page
    assert '<p lang="sv">Larm</p>' in page
    assert 'lang="sv">Trygghetslarm</a>' in client.get("/en/needs/").text


def test_a_need_without_a_chosen_language_is_marked_with_the_one_detected_from_its_text(client, personas):
    need = Need.objects.create(
        organisation=personas.stavanger,
        title="Trygghetslarm för äldre i hemtjänsten",
        problem="Äldre som bor hemma behöver ett larm som fungerar även när mobilnätet är nere.",
    )
    need.publish()

    page = client.get(f"/en/needs/{need.pk}/").text

    assert '<h1 lang="sv">Trygghetslarm' in page
    assert "<dd>Svenska (detected from the text)</dd>" in page
    need.language = "en"
    need.save()
    assert "<dd>English</dd>" in client.get(f"/en/needs/{need.pk}/").text


def test_a_negative_estimated_value_is_refused_at_its_field(client, personas):
    client.force_login(personas.owner)
    response = client.post(
        "/en/needs/new/",
        {
            "organisation": personas.oslo.pk,
            "title": "Nattilsyn",
            "problem": "x",
            "estimated_value": "-5",
            "language": "nb",
            "visibility": "public",
        },
    )
    assert response.status_code == 200
    assert "greater than or equal to 0" in str(response.context["form"].errors["estimated_value"])
    assert not Need.objects.filter(title="Nattilsyn").exists()


def test_the_buyer_confirms_a_suggested_cpv_code_with_one_press(client, personas):
    need = Need.objects.create(
        organisation=personas.oslo, title="Trygghetsalarmer", problem="Alarmer for eldre som bor hjemme"
    )
    need.cpv_codes.add(CpvCode.objects.get(code8="85310000"))
    client.force_login(personas.owner)
    page = client.get(f"/en/needs/{need.pk}/")
    suggested = [item.code.code8 for item in page.context["suggestions"]]
    assert suggested
    assert "85310000" not in suggested  # already the need's
    response = client.post(f"/en/needs/{need.pk}/cpv/", {"code": suggested[0]})
    assert response.status_code == 302
    codes = list(
        Need.cpv_codes.through.objects.filter(need=need).order_by("pk").values_list("cpvcode_id", flat=True)
    )
    assert codes == ["85310000", suggested[0]]  # the main code stays first
    assert client.post(f"/en/needs/{need.pk}/cpv/", {"code": "99999999"}).status_code == 302
    assert need.cpv_codes.count() == 2
    client.force_login(personas.other_buyer)
    assert client.post(f"/en/needs/{need.pk}/cpv/", {"code": "33196200"}).status_code == 403


def test_a_buyer_with_a_similar_need_is_a_press_away_from_an_invitation(client, personas):
    ours = publish_need(
        personas.oslo,
        "Digitalt tilsyn om natten",
        "Nattlig digitalt tilsyn med sensorer hos eldre i hjemmetjenesten",
    )
    publish_need(
        personas.stavanger, "Sensorer for nattilsyn", "Digitalt nattilsyn med sensorer for eldre hjemmeboende"
    )
    client.force_login(personas.owner)
    page = client.get(f"/en/needs/{ours.pk}/").text
    assert f'href="?invite={personas.stavanger.pk}#invite-title"' in page
    form = client.get(f"/en/needs/{ours.pk}/?invite={personas.stavanger.pk}").context["invite_form"]
    assert str(form["organisation"].value()) == str(personas.stavanger.pk)
    client.force_login(personas.other_buyer)  # Stavanger's own editor is offered no invitation on Oslo's need
    assert "#invite-title" not in client.get(f"/en/needs/{ours.pk}/").text


def test_the_lead_withdraws_an_invitation_not_yet_answered(client, personas):
    from skala.needs.services import invite

    need = Need.objects.create(organisation=personas.oslo, title="Nattilsyn", problem="x")
    need.publish()
    pending, _created = invite(need, personas.stavanger, "partner", "", personas.owner)
    client.force_login(personas.other_buyer)  # the invited buyer's editor may not withdraw it
    assert client.post(f"/en/needs/{need.pk}/process/{pending.pk}/withdraw/").status_code == 403
    client.force_login(personas.owner)
    assert "Withdraw the invitation to Stavanger kommune" in client.get(f"/en/needs/{need.pk}/").text
    client.post(f"/en/needs/{need.pk}/process/{pending.pk}/withdraw/")
    assert not Participant.objects.filter(pk=pending.pk).exists()
    answered, _created = invite(need, personas.stavanger, "partner", "", personas.owner)
    answered.answer(accept=True)
    client.post(f"/en/needs/{need.pk}/process/{answered.pk}/withdraw/")
    # A buyer that joined is taken out, not deleted: the process keeps its history.
    assert Participant.objects.get(pk=answered.pk).status == "removed"


def joined_follower(need, organisation, owner, terms="Up to 200 homes until 2028") -> Participant:
    from skala.needs.services import invite

    participant, _created = invite(need, organisation, "follower", terms, owner)
    participant.answer(accept=True)
    return participant


def test_the_lead_takes_a_buyer_that_joined_out_and_it_loses_the_need_and_its_dialogue(
    client, personas, mailoutbox, run_db_worker, django_capture_on_commit_callbacks
):
    from skala.dialogue.tests.builders import make_meeting

    need = publish_need(personas.oslo, "Nattilsyn", "Sensorer om natten", visibility="invited")
    follower = joined_follower(need, personas.stavanger, personas.owner)
    meeting = make_meeting(need)
    assert personas.other_buyer.has_perm("dialogue.view_input", meeting)

    client.force_login(personas.owner)
    page = client.get(f"/en/needs/{need.pk}/").text
    assert "Take Stavanger kommune out of the joint process" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/en/needs/{need.pk}/process/{follower.pk}/withdraw/")
    follower.refresh_from_db()
    assert follower.status == "removed"
    assert follower.ended_at is not None
    # The lead's page still records who took part, and how it ended.
    assert "removed by the lead" in client.get(f"/en/needs/{need.pk}/").text
    run_db_worker()
    [message] = mailoutbox
    assert personas.other_buyer.email in message.to
    assert "taken Stavanger kommune out of the joint process" in message.body

    client.force_login(personas.other_buyer)
    assert client.get(f"/en/needs/{need.pk}/").status_code == 403
    assert not personas.other_buyer.has_perm("dialogue.view_input", meeting)


def test_a_buyer_that_joined_leaves_and_may_be_invited_again_on_new_terms(client, personas):
    need = publish_need(personas.oslo, "Nattilsyn", "Sensorer om natten")
    follower = joined_follower(need, personas.stavanger, personas.owner)
    client.force_login(personas.owner)  # the lead cannot leave for the follower
    assert client.post(f"/en/needs/{need.pk}/process/{follower.pk}/leave/").status_code == 403

    client.force_login(personas.other_buyer)
    page = client.get(f"/en/needs/{need.pk}/").text
    assert "Leave the joint process for Stavanger kommune" in page
    client.post(f"/en/needs/{need.pk}/process/{follower.pk}/leave/")
    follower.refresh_from_db()
    assert follower.status == "left"
    again = client.post(f"/en/needs/{need.pk}/process/{follower.pk}/leave/", follow=True)
    assert "has not joined the joint process" in again.text
    # Outsiders and the buyer that left see only who takes part now: nobody.
    assert "Stavanger kommune –" not in client.get(f"/en/needs/{need.pk}/").text

    client.force_login(personas.owner)
    offered = client.get(f"/en/needs/{need.pk}/").context["invite_form"].fields["organisation"].queryset
    assert personas.stavanger in offered
    client.post(
        f"/en/needs/{need.pk}/process/invite/",
        {"organisation": personas.stavanger.pk, "role": "partner", "option_terms": ""},
    )
    follower.refresh_from_db()
    assert (follower.status, follower.role, follower.option_terms, follower.ended_at) == (
        "invited",
        "partner",
        "",
        None,
    )


def test_the_lead_has_nothing_to_withdraw_from_a_buyer_that_declined(client, personas):
    from skala.needs.services import invite

    need = publish_need(personas.oslo, "Nattilsyn", "Sensorer om natten")
    declined, _created = invite(need, personas.stavanger, "partner", "", personas.owner)
    declined.answer(accept=False)
    client.force_login(personas.owner)
    response = client.post(f"/en/needs/{need.pk}/process/{declined.pk}/withdraw/", follow=True)
    assert "is not in the joint process, so there is nothing to withdraw" in response.text
    declined.refresh_from_db()
    assert declined.status == "declined"


def test_a_buyer_taken_out_cannot_let_itself_back_in_by_answering_the_old_invitation(client, personas):
    need = publish_need(personas.oslo, "Nattilsyn", "Sensorer om natten", visibility="invited")
    follower = joined_follower(need, personas.stavanger, personas.owner)
    follower.end("removed")
    client.force_login(personas.other_buyer)
    response = client.post(
        f"/en/needs/{need.pk}/process/{follower.pk}/answer/", {"answer": "accept"}, follow=True
    )
    assert "The invitation is no longer open (removed by the lead)" in response.text
    follower.refresh_from_db()
    assert follower.status == "removed"
    assert client.get(f"/en/needs/{need.pk}/").status_code == 403


def test_a_buyer_that_joined_leaves_rather_than_declines_and_an_answer_is_accept_or_decline(client, personas):
    need = publish_need(personas.oslo, "Nattilsyn", "Sensorer om natten")
    follower = joined_follower(need, personas.stavanger, personas.owner)
    client.force_login(personas.other_buyer)
    url = f"/en/needs/{need.pk}/process/{follower.pk}/answer/"
    assert "no longer open (accepted)" in client.post(url, {"answer": "decline"}, follow=True).text
    follower.refresh_from_db()
    assert (follower.status, follower.ended_at) == ("accepted", None)

    from skala.needs.services import invite

    other = publish_need(personas.oslo, "Skolemat", "Sunn lunsj i skolen")
    pending, _created = invite(other, personas.stavanger, "partner", "", personas.owner)
    refused = client.post(f"/en/needs/{other.pk}/process/{pending.pk}/answer/", {"answer": "maybe"})
    assert refused.status_code == 400
    pending.refresh_from_db()
    assert pending.status == "invited"


def test_a_need_shared_with_a_buyer_is_found_by_its_words_and_among_similar_needs(client, personas):
    shared = publish_need(
        personas.oslo, "Nattilsyn med sensorer", "Digitalt tilsyn om natten", visibility="invited"
    )
    mine = publish_need(personas.stavanger, "Digitalt nattilsyn", "Sensorer for tilsyn om natten hos eldre")
    client.force_login(personas.other_buyer)
    assert "Nattilsyn med sensorer" not in listed(client, q="nattilsyn")
    similar = client.get(f"/en/needs/{mine.pk}/").context["similar"]
    assert shared.pk not in [item.need.pk for item in similar]

    shared.invited_organisations.add(personas.stavanger)
    assert "Nattilsyn med sensorer" in listed(client, q="nattilsyn")
    similar = client.get(f"/en/needs/{mine.pk}/").context["similar"]
    assert shared.pk in [item.need.pk for item in similar]


def test_a_member_of_an_office_finds_its_own_organisations_invited_only_needs_by_their_words(
    client, personas
):
    publish_need(personas.sykehjemsetaten, "Nattilsyn på sykehjem", "Tilsyn om natten", visibility="invited")
    client.force_login(personas.editor)
    assert listed(client, q="nattilsyn") == ["Nattilsyn på sykehjem"]
    client.force_login(personas.supplier)
    assert listed(client, q="nattilsyn") == []


def test_a_word_search_keeps_to_the_filters(client, personas):
    publish_need(personas.sykehjemsetaten, "Nattilsyn på sykehjem", "Tilsyn om natten")
    publish_need(personas.stavanger, "Nattilsyn hjemme", "Tilsyn om natten hjemme")
    stavanger = personas.stavanger.municipality_id
    assert listed(client, q="nattilsyn", municipality=stavanger) == ["Nattilsyn hjemme"]
    assert listed(client, q="nattilsyn", organisation=personas.oslo.pk) == ["Nattilsyn på sykehjem"]


def test_every_suggested_cpv_code_says_why_in_words(client, personas):
    from skala.matching.suggest import Suggestion
    from skala.needs.services import CpvSuggestion

    code = CpvCode.objects.get(code8="85310000")

    def reasons(**why) -> list[str]:
        return CpvSuggestion(code, Suggestion("85310000", 1.0, **why)).reasons

    assert reasons(label_terms=["sosial", "tjenest"]) == ["its label shares sosial, tjenest"]
    assert reasons(neighbours=["need:1", "notice:T-2"]) == ["2 similar classified needs and notices have it"]
    assert reasons(neighbours=["need:1"], division_share=0.9) == [
        "1 similar classified need or notice has it",
        "in division 85, where texts like this are classified",
    ]
    assert reasons(division_share=0.2) == ["in division 85, where texts like this are classified"]

    publish_need(personas.stavanger, "Nattilsyn med sensorer", "Sensorer for tilsyn om natten hos eldre")
    need = publish_need(personas.oslo, "Digitalt nattilsyn", "Sensorer for nattilsyn hos eldre", cpv="")
    client.force_login(personas.owner)
    page = client.get(f"/nb/needs/{need.pk}/")
    assert page.context["suggestions"]
    for item in page.context["suggestions"]:
        assert item.reasons
    assert "lignende klassifisert" in page.text


def test_a_need_of_an_office_names_the_organisation_it_belongs_to(client, personas):
    need = publish_need(personas.sykehjemsetaten, "Nattilsyn", "Tekst")
    page = client.get(f"/en/needs/{need.pk}/").text
    buyer = page[page.index("<dt>Buyer</dt>") :].split("</dd>")[0]
    assert "Sykehjemsetaten" in buyer
    assert "Oslo kommune" in buyer


def test_the_answer_to_an_invitation_is_confirmed_in_words_that_say_which(client, personas):
    from skala.needs.services import invite

    client.force_login(personas.other_buyer)  # editor in Stavanger
    for answer, said in (
        ("accept", "Stavanger kommune has joined the joint process."),
        ("decline", "Stavanger kommune has declined the invitation."),
    ):
        need = publish_need(personas.oslo, f"Behov {answer}", "Tekst")
        participant, _created = invite(need, personas.stavanger, "partner", "", personas.owner)
        response = client.post(
            f"/en/needs/{need.pk}/process/{participant.pk}/answer/", {"answer": answer}, follow=True
        )
        assert said in response.text


def test_a_signed_out_visitor_refused_an_invited_only_need_is_offered_to_log_in(client, personas):
    need = publish_need(personas.oslo, "Delt behov", "Tekst", visibility="invited")
    response = client.get(f"/en/needs/{need.pk}/")
    assert response.status_code == 403
    assert "log in to see it" in response.text
    assert f"/login/?next=/en/needs/{need.pk}/" in response.text.replace("%2F", "/")
    client.force_login(personas.other_buyer)
    assert "ask an administrator" in client.get(f"/en/needs/{need.pk}/").text


def test_an_invited_only_need_shared_with_no_one_says_so_when_saved(client, personas):
    client.force_login(personas.editor)
    response = client.post(
        "/en/needs/new/", need_form(personas.sykehjemsetaten, visibility="invited"), follow=True
    )
    assert "Only your organisation can see this need" in response.text
    shared = client.post(
        "/en/needs/new/",
        need_form(
            personas.sykehjemsetaten, visibility="invited", invited_organisations=[personas.stavanger.pk]
        ),
        follow=True,
    )
    assert "Only your organisation can see this need" not in shared.text


def test_a_shared_cpv_level_is_named_with_its_label_not_the_code_alone():
    from django.utils import translation

    from skala.matching.index import Why
    from skala.templatetags.skala_matching import cpv_label, reasons

    cpv_label.cache_clear()
    code = CpvCode.objects.get(code8="85000000")
    with translation.override("en"):
        [said] = reasons(Why(terms=[], cpv=("division", "85000000"), embedding=None))
    assert said == f"same CPV division 85000000 {code.label('en')}"
