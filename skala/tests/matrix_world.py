"""One world of data for the authorisation matrix: every kind of object each route acts on, built once.

The personas are those of skala.testing.make_personas, plus a follower: an editor of a buyer that
accepted a follower's place in the joint process of the published need. Objects carry marker words
(SECRET_*) in what must stay confidential, so the matrix can check that a response never shows them
to someone who may not read them.
"""

import dataclasses
import datetime
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone

from skala.dialogue import report as dialogue_report
from skala.dialogue.models import (
    Answer,
    Attendee,
    Booking,
    Meeting,
    Question,
    Registration,
    RegistrationStatus,
    ReportStatus,
    Slot,
    SupplierQuestion,
    WorkshopNote,
)
from skala.dialogue.tests.builders import make_meeting
from skala.kpis.models import Connector, ConnectorKind, KeyFigure, Screen, Tile
from skala.kpis.series import store
from skala.needs.models import Need, NeedStatus, Participant, ParticipantRole, ParticipantStatus, Visibility
from skala.needs.services import invite
from skala.orgs.models import (
    ApiToken,
    Membership,
    OrganisationKind,
    OrganisationUnit,
    RegistryEntry,
    Role,
    User,
)
from skala.portfolio import gates
from skala.portfolio.models import Benefit, Funding, Programme, Project, Stage
from skala.procedures.models import Award, GroupMember, Lot, Notice, Procurement, ProcurementOption
from skala.procedures.timeline import apply_template
from skala.reference.models import CpvCode
from skala.spend.models import SpendImport, SpendUpload
from skala.spend.models import Supplier as SpendSupplier
from skala.spend.tests.builders import import_rows
from skala.suppliers.models import Alert, PartneringRequest, Proposal, Subscription
from skala.suppliers.proposals import send_proposal
from skala.suppliers.tests.builders import NIGHT_NEED, SENSOR_SOLUTION, add_solution, publish_need
from skala.testing import Personas, add_member, make_organisation, make_personas, make_user

# Words that appear only in confidential data; a response shown to anyone else must not contain them.
SECRET_DRAFT = "Utkastsaken-kvitrefugl"
SECRET_ANSWER = "Konfidensielt-svar-blaahval"
SECRET_PROPOSAL = "Fortrolig-forslag-moskus"
SECRET_NOTE = "Verkstednotat-gaupe"
SECRET_SPEND = "Navnleverandor Jerven"
SECRET_SHARED = "Delt-behov-elg"
SECRET_WORD = "blaahvalzq"
SECRET_ATTENDEE = "deltaker-oter@test.example"
SECRET_QUESTION = "Ubesvart-sporsmal-ravn"

DAY = datetime.date(2026, 6, 1)


@dataclass
class World:
    """Everything the matrix's routes point at; each persona's user and API token."""

    personas: Personas
    users: dict[str, User | None]
    tokens: dict[str, str]
    follower_org: object
    facilitator_org: object
    partner_org: object
    new_supplier_org: object
    need: Need
    draft_need: Need
    shared_need: Need
    follower_participant: Participant
    meeting: Meeting
    draft_meeting: Meeting
    reported_meeting: Meeting
    registration: Registration
    attendee: Attendee
    booked_slot: Slot
    free_slot: Slot
    question: Question
    answer: Answer
    supplier_question: SupplierQuestion
    proposal: Proposal
    partnering_request: PartneringRequest
    subscription: Subscription
    supplier_solution: object
    startup_solution: object
    notice: Notice
    procurement: Procurement
    draft_procurement: Procurement
    project: Project
    programme: Programme
    spend_supplier: SpendSupplier
    spend_upload: SpendUpload
    spend_import: SpendImport
    figure: KeyFigure
    connector: Connector
    screen: Screen
    revoked_screen: Screen
    tmp: Path
    baseline: dict | None = None
    sessions: dict[str, str] | None = None
    clients: dict | None = None


# The nine personas of the matrix, and who each is:
# anonymous (no one signed in); supplier and startup (administrators of Test Leverandør AS and of
# Test Startup AS); buyer_viewer (viewer in Oslo kommune); buyer_editor (editor in its agency
# Sykehjemsetaten, which owns the need and most of what follows it); other_buyer (editor in Stavanger
# kommune); follower (editor in Bærum kommune, which follows the need's joint process with an option);
# facilitator (site-wide facilitator, editor in KS, which runs a programme); staff (staff superuser).
PERSONAS = (
    "anonymous",
    "supplier",
    "startup",
    "buyer_viewer",
    "buyer_editor",
    "other_buyer",
    "follower",
    "facilitator",
    "staff",
)


def make_follower():
    """A buyer organisation and its editor, who will follow Oslo's joint process with an option."""
    organisation = make_organisation("Bærum kommune", orgnr="935478715", municipality="3201")
    user = make_user("follower@test.example", name="Follower")
    add_member(user, organisation, Role.EDITOR)
    return organisation, user


def make_dialogue(world: dict) -> None:
    """A published meeting with a registration, slots, a question, a confidential answer and notes."""
    personas = world["personas"]
    meeting = make_meeting(world["need"], kind="one_to_one", title="Dialogmøte om nattilsyn")
    draft = make_meeting(world["need"], publish=False, title="Oppfølgingsmøte om nattilsyn")
    registration = Registration.objects.create(
        meeting=meeting,
        supplier=personas.startup_org,
        registered_by=personas.startup,
        status=RegistrationStatus.CONFIRMED,
    )
    attendee = Attendee.objects.create(registration=registration, name="Startup", email=SECRET_ATTENDEE)
    first = meeting.starts_at
    booked = Slot.objects.create(
        meeting=meeting, starts_at=first, ends_at=first + datetime.timedelta(minutes=30)
    )
    free = Slot.objects.create(
        meeting=meeting,
        starts_at=first + datetime.timedelta(minutes=35),
        ends_at=first + datetime.timedelta(minutes=65),
    )
    Booking.objects.create(slot=booked, supplier=personas.startup_org, booked_by=personas.startup)
    question = Question.objects.create(meeting=meeting, text="Hva trenger dere fra oss?")
    answer = Answer.objects.create(
        question=question,
        supplier=personas.startup_org,
        answered_by=personas.startup,
        text=f"{SECRET_ANSWER}: vi trenger testdata.",
    )
    asked = SupplierQuestion.objects.create(
        meeting=meeting, asked_by=personas.startup_org, text=f"{SECRET_QUESTION}: hvor mange brukere?"
    )
    WorkshopNote.objects.create(meeting=meeting, topic="Bord 1", notes=SECRET_NOTE)
    dialogue_report.generate(meeting)
    # A meeting whose report is published: it quotes the shareable answer, never the confidential one.
    held = make_meeting(world["need"], title="Åpent dialogmøte om nattilsyn", days=20)
    asked_all = Question.objects.create(meeting=held, text="Hva er viktigst for dere?")
    Answer.objects.create(
        question=asked_all,
        supplier=personas.startup_org,
        answered_by=personas.startup,
        text=f"{SECRET_ANSWER} hemmeligheter om prisene våre.",
    )
    Answer.objects.create(
        question=asked_all,
        supplier=personas.supplier_org,
        answered_by=personas.supplier,
        text="Sensorene må varsle hjemmetjenesten ved fall.",
        shareable=True,
    )
    # More confidential input, in words of its own, and shareable input in other words: the report
    # groups what no known theme claims and names each group; the names must not come from what
    # is confidential.
    second = Question.objects.create(meeting=held, text="Hva mer bør vi vite?")
    for put, supplier, text, shareable in [
        (asked_all, world["partner_org"], "Solsikkezq og lavendelzq gir solsikkezq.", True),
        (second, personas.supplier_org, "Lavendelzq solsikkezq lavendelzq.", True),
        (second, personas.startup_org, f"{SECRET_WORD} kremlzq {SECRET_WORD} tundrazq.", False),
        (second, world["new_supplier_org"], f"Tundrazq {SECRET_WORD} kremlzq {SECRET_WORD}.", False),
    ]:
        Answer.objects.create(question=put, supplier=supplier, text=text, shareable=shareable)
    published = dialogue_report.generate(held)
    published.status, published.published_at = ReportStatus.PUBLISHED, timezone.now()
    published.save(update_fields=["status", "published_at"])
    world.update(
        meeting=meeting,
        draft_meeting=draft,
        reported_meeting=held,
        registration=registration,
        attendee=attendee,
        booked_slot=booked,
        free_slot=free,
        question=question,
        answer=answer,
        supplier_question=asked,
    )


def make_suppliers(world: dict) -> None:
    """Profiles and solutions, a proposal through the fast track, partnering, a subscription with an alert."""
    personas = world["personas"]
    world["supplier_solution"] = add_solution(personas.supplier_org, *SENSOR_SOLUTION, cpv=["85310000"])
    world["startup_solution"] = add_solution(
        personas.startup_org,
        "Sensormatte for sengen",
        "En matte som varsler ved uro om natten.",
        cpv=["85310000"],
        is_startup=True,
        open_to_partnering=True,
    )
    partner = make_organisation("Partner AS", OrganisationKind.SUPPLIER, orgnr="999000037")
    add_solution(partner, "Alarmsentral", "Mottak av varsler døgnet rundt.", open_to_partnering=True)
    world["partner_org"] = partner
    # A supplier known from the register, with no profile yet: its profile is made on first use.
    world["new_supplier_org"] = make_organisation(
        "Ny Leverandør AS", OrganisationKind.SUPPLIER, orgnr="999000053"
    )
    world["proposal"] = send_proposal(
        sender=personas.supplier_org,
        sent_by=personas.supplier,
        title="Fallsensorer for hjemmetjenesten",
        description=f"{SECRET_PROPOSAL}: vi foreslår en pilot.",
        cpv_codes=list(CpvCode.objects.filter(code8="85310000")),
        buyer=personas.oslo,
    )
    world["partnering_request"] = PartneringRequest.objects.create(
        need=world["need"], sender=personas.supplier_org, receiver=personas.startup_org, message="Sammen?"
    )
    subscription = Subscription.objects.create(
        organisation=personas.supplier_org,
        user=personas.supplier,
        name="Velferdsteknologi",
        keywords="sensor",
    )
    Alert.objects.create(subscription=subscription, kind="need", key="need:0", title="Et behov", url="/")
    world["subscription"] = subscription


def make_procurement(world: dict) -> None:
    """An innovation partnership for the need, laid out from its template, with groups, options and awards."""
    personas = world["personas"]
    procurement = Procurement.objects.create(
        buyer=personas.sykehjemsetaten,
        need=world["need"],
        title="Innovasjonspartnerskap nattilsyn",
        procedure_type="innovation_partnership",
        created_by=personas.editor,
    )
    apply_template(procurement, DAY)
    GroupMember.objects.create(
        procurement=procurement, group="steering", name="Styreleder", organisation=personas.oslo
    )
    ProcurementOption.objects.create(
        procurement=procurement, organisation=world["follower_org"], terms="50 senger"
    )
    lot = Lot.objects.create(procurement=procurement, number=1, title="Sensorer")
    Award.objects.create(
        procurement=procurement, lot=lot, supplier=personas.supplier_org, value=900_000, awarded_on=DAY
    )
    world["procurement"] = procurement
    # A procurement planned for the draft need: the procurement is public, the draft is not.
    world["draft_procurement"] = Procurement.objects.create(
        buyer=personas.sykehjemsetaten,
        need=world["draft_need"],
        title="Forberedt anskaffelse",
        procedure_type="competitive_dialogue",
        created_by=personas.editor,
    )


def make_portfolio(world: dict) -> None:
    """A project in scale-up in a facilitator's programme, with a gate decision, funding and a benefit."""
    personas = world["personas"]
    programme = Programme.objects.create(
        name="Velferdsteknologiprogrammet",
        facilitator=world["facilitator_org"],
        starts_on=DAY,
        ends_on=DAY.replace(year=DAY.year + 2),
    )
    programme.members.set([world["follower_org"]])
    project = Project.objects.create(
        title="Digitalt nattilsyn", stage=Stage.PILOT, stage_since=DAY, programme=programme, budget=1_000_000
    )
    project.owners.set([personas.sykehjemsetaten])
    gates.decide(project, "go", reason="Piloten virket", decided_by=personas.editor, day=DAY)
    Funding.objects.create(project=project, source="own", amount=500_000)
    Benefit.objects.create(project=project, description="Færre tilsyn", unit="hours", expected=1000)
    project.refresh_from_db()
    world.update(project=project, programme=programme)


def make_spend(world: dict) -> None:
    """Oslo's spend: lines to a supplier with a number and to one known only by its name."""
    personas = world["personas"]
    rows = [
        ["2025-03-01", "Test Leverandør AS", "999000010", "120000", "Sykehjemsetaten", "6790"],
        ["2025-04-01", SECRET_SPEND, "", "15000", "Sykehjemsetaten", "6790"],
    ]
    world["spend_import"] = import_rows(world["tmp"], personas.oslo, rows).batch
    world["spend_supplier"] = SpendSupplier.objects.get(organisation=personas.oslo, orgnr="")
    world["spend_upload"] = SpendUpload.objects.create(
        organisation=personas.oslo, uploaded_by=personas.owner, file_name="regnskap.csv"
    )


def make_key_figures(world: dict) -> None:
    """A figure with a value and a connector to Skala's own data, a wall screen and a revoked one."""
    personas = world["personas"]
    figure = KeyFigure.objects.create(
        owner=personas.sykehjemsetaten, name_nb="Digitale tilsyn", unit="tilsyn", period="month"
    )
    store(figure, [("2026-03", 120)], source="manual")
    connector = Connector.objects.create(
        figure=figure, kind=ConnectorKind.SKALA, config={"measure": "needs_published"}
    )
    screen = Screen.objects.create(owner=personas.sykehjemsetaten, name="Veggskjerm")
    Tile.objects.create(screen=screen, figure=figure)
    revoked = Screen.objects.create(owner=personas.sykehjemsetaten, name="Gammel skjerm", revoked=True)
    world.update(figure=figure, connector=connector, screen=screen, revoked_screen=revoked)


def build_world(folder: Path) -> World:
    """Build every object of the matrix, and a personal API token for each signed-in persona.

    The spend extract the world imports is written in the folder given.
    """
    personas = make_personas()
    follower_org, follower = make_follower()
    facilitator_org = make_organisation("KS", OrganisationKind.FACILITATOR, orgnr="971032146")
    Membership.objects.create(user=personas.facilitator, organisation=facilitator_org, role=Role.EDITOR)
    make_organisation(
        "Tildelingskontoret", parent=personas.sykehjemsetaten, unit=OrganisationUnit.PROCUREMENT_OFFICE
    )
    world: dict = {"personas": personas, "follower_org": follower_org, "facilitator_org": facilitator_org}
    world["tmp"] = folder
    need = publish_need(personas.sykehjemsetaten, *NIGHT_NEED)
    need.published_at = timezone.now()
    need.save(update_fields=["published_at"])
    participant, _created = invite(
        need, follower_org, ParticipantRole.FOLLOWER, "Opsjon på 50 senger", personas.editor
    )
    participant.answer(accept=True)
    world["need"] = need
    world["follower_participant"] = participant
    world["draft_need"] = Need.objects.create(
        organisation=personas.sykehjemsetaten,
        title=f"{SECRET_DRAFT} i hjemmetjenesten",
        problem="Et utkast ingen andre skal se.",
        status=NeedStatus.DRAFT,
    )
    shared = publish_need(
        personas.sykehjemsetaten,
        f"{SECRET_SHARED}: medisinroboter i hjemmetjenesten",
        "Medisinutdeling hjemme tar mye tid.",
        visibility=Visibility.INVITED,
    )
    shared.invited_organisations.set([follower_org])
    world["shared_need"] = shared
    make_suppliers(world)
    make_dialogue(world)
    make_procurement(world)
    make_portfolio(world)
    make_spend(world)
    make_key_figures(world)
    # One object of each model the admin lists, so that staff's object pages can be opened.
    Group.objects.create(name="Redaktører")
    RegistryEntry.objects.create(orgnr="999000010", name="Test Leverandør AS")
    world["notice"] = Notice.objects.create(
        import_id="ted:2026-000001",
        source="ted",
        title="Velferdsteknologi",
        cpv=["85310000"],
        buyer_country="NO",
    )
    users = {
        "anonymous": None,
        "supplier": personas.supplier,
        "startup": personas.startup,
        "buyer_viewer": personas.colleague,
        "buyer_editor": personas.editor,
        "other_buyer": personas.other_buyer,
        "follower": follower,
        "facilitator": personas.facilitator,
        "staff": personas.staff,
    }
    tokens = {name: ApiToken.issue(user, "matrix")[1] for name, user in users.items() if user is not None}
    assert Participant.objects.get(pk=participant.pk).status == ParticipantStatus.ACCEPTED
    built = World(users=users, tokens=tokens, **world)
    # Every object is of the kind its field names: a mix-up would point routes at the wrong rows.
    for item in dataclasses.fields(World):
        if isinstance(item.type, type) and issubclass(item.type, models.Model):
            assert isinstance(getattr(built, item.name), item.type), item.name
    return built
