"""The authorisation matrix: every page and API route, for every persona, allowed or refused as declared.

PAGES declares each URL name of skala.urls (variants after an @ point the same route at another
object); API declares each path and method of the JSON API's OpenAPI schema. A route that exists
and is not declared fails the test ("declare it"), and so does a declared route that no longer exists.

For each (route, method, persona):
- allowed: a 2xx answer, or a redirect that is not to a login page; a write must change the database
  (so the payload is one that works), unless the row says the persona has nothing to do there;
- refused: 403 or 404 (anonymous visitors: a redirect to the login page, or 401 from the API), and
  the database is exactly as it was;
- always: no response shows a confidential marker (matrix_world.SECRET_*) to someone who may not read it.

The world is built once for the module inside a transaction that is rolled back at the end; each case
runs in its own savepoint on top of it, so a write in one case is never seen by another.
"""

import datetime
import functools
import io
import json
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from skala.orgs.models import ApiToken
from skala.orgs.verification import token_for
from skala.testing import PASSWORD
from skala.tests import matrix_world
from skala.tests.matrix_world import PERSONAS, World, build_world

# ---------------------------------------------------------------------------------------------------
# Who: the personas, and the groups of them the table names.

EVERYONE = frozenset(PERSONAS)
SIGNED_IN = EVERYONE - {"anonymous"}
NOBODY: frozenset[str] = frozenset()
SUPPLIERS = frozenset({"supplier", "startup"})
# Members of Oslo kommune: the viewer (of Oslo kommune) and the editor (of its Sykehjemsetaten, which owns
# the need, the procurement, the project, the key figure and the screen).
OSLO = frozenset({"buyer_viewer", "buyer_editor"})
OWNER_EDITORS = frozenset({"buyer_editor", "staff"})
DRAFT_READERS = OSLO | {"staff"}
# The hosts of the dialogue: the need's buyer and the buyers that joined its joint process (the follower).
HOSTS = OSLO | {"follower"}
HOST_EDITORS = frozenset({"buyer_editor", "follower"})
# Editors of some public buyer: they may describe needs and start procurements for it.
BUYER_EDITORS = frozenset({"buyer_editor", "other_buyer", "follower"})
# Editors of any organisation at all (suppliers and the facilitator's KS included).
ANY_EDITORS = SIGNED_IN - {"buyer_viewer", "staff"}
# Editors on the public side (the facilitator's KS included): pilots and key figures are theirs.
PUBLIC_EDITORS = ANY_EDITORS - SUPPLIERS
PROJECT_READERS = OSLO | {"follower", "facilitator", "staff"}
PROJECT_EDITORS = frozenset({"buyer_editor", "facilitator", "staff"})
FIGURE_READERS = OSLO | {"facilitator", "staff"}


@dataclass(frozen=True)
class Access:
    """Who may; and those of them for whom the world leaves nothing to do (already done, a limit reached,
    a check that fails): for them a 409 or 422 answer is a success too, and nothing need change."""

    allowed: frozenset[str]
    nothing_to_do: frozenset[str] = frozenset()


def allow(*groups, nothing_to_do=()) -> Access:
    return Access(frozenset().union(*groups), frozenset(nothing_to_do))


def access(value) -> Access | None:
    return value if isinstance(value, Access) or value is None else Access(frozenset(value))


@dataclass
class Row:
    """One route: who may use each method, and how to fill its URL, query and payload from the world."""

    GET: object = None
    POST: object = None
    PATCH: object = None
    DELETE: object = None
    kwargs: dict[str, Callable[[World], object]] = field(default_factory=dict)
    query: Callable[[World], str] | None = None
    data: Callable[[World, str], object] | None = None

    def methods(self) -> dict[str, Access]:
        found = {name: access(getattr(self, name)) for name in ("GET", "POST", "PATCH", "DELETE")}
        return {name: value for name, value in found.items() if value is not None}


# ---------------------------------------------------------------------------------------------------
# Payloads: each persona sends the payload that would work if it were allowed.


def home(w: World, persona: str):
    """The organisation a persona acts for; the need's buyer for those who have none."""
    p = w.personas
    return {
        "supplier": p.supplier_org,
        "startup": p.startup_org,
        "buyer_viewer": p.oslo,
        "other_buyer": p.stavanger,
        "follower": w.follower_org,
        "facilitator": w.facilitator_org,
    }.get(persona, p.sykehjemsetaten)


def later(days: int = 30, hours: int = 0) -> datetime.datetime:
    return timezone.localtime() + datetime.timedelta(days=days, hours=hours)


def local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def need_form(w: World, persona: str, organisation=None, title="Endret behov") -> dict:
    return {
        "organisation": (organisation or home(w, persona)).pk,
        "title": title,
        "problem": "Nattlige tilsyn tar tid.",
        "cpv": "85310000",
        "language": "",
        "visibility": "public",
    }


def meeting_form(w: World, persona: str) -> dict:
    return {
        "kind": "workshop",
        "title": "Nytt dialogmøte",
        "starts_at": local(later(40)),
        "ends_at": local(later(40, 2)),
        "registration_deadline": local(later(35)),
        "place": "Rådhuset",
        "language": "nb",
        "bookings_per_supplier": 1,
    }


def phases_form(w: World, persona: str) -> dict:
    phases = list(w.procurement.phases.all())
    data = {"form-TOTAL_FORMS": len(phases), "form-INITIAL_FORMS": len(phases)}
    for n, phase in enumerate(phases):
        data.update(
            {
                f"form-{n}-id": phase.pk,
                f"form-{n}-name": phase.name,
                f"form-{n}-starts_on": phase.starts_on.isoformat(),
                f"form-{n}-ends_on": phase.ends_on.isoformat(),
                f"form-{n}-note": "Endret" if n == 0 else phase.note,
            }
        )
    return data


def signup_form(w: World, persona: str) -> dict:
    return {
        "name": "Ny Gründer",
        "email": "ny.grunder@test.example",
        "password": "a-long-test-password-1",
        "company": "Nystartet AS",
        "orgnr": "999000045",
        "municipality": "",
    }


def spend_upload(w: World, persona: str) -> dict:
    rows = "Dato;Leverandør;Orgnr;Beløp\n2025-05-01;Test Leverandør AS;999000010;5000\n"
    return {"file": SimpleUploadedFile("spend.csv", rows.encode(), content_type="text/csv")}


def page_token(w: World) -> int:
    return ApiToken.objects.get(user=w.users["buyer_editor"], name="matrix").pk


# ---------------------------------------------------------------------------------------------------
# The table of pages: one row per URL name (and variant), in the order of skala/urls.py.

PAGES: dict[str, Row] = {
    "healthz": Row(GET=EVERYONE),
    "security_txt": Row(GET=EVERYONE),
    "set_language": Row(POST=allow(EVERYONE, nothing_to_do=EVERYONE), data=lambda w, p: {"language": "en"}),
    "home": Row(GET=EVERYONE),
    "api_reference": Row(GET=EVERYONE),
    "accessibility": Row(GET=EVERYONE),
    "privacy_statement": Row(GET=EVERYONE),
    # Accounts: Django's own views; logging in and resetting a password are for everyone.
    "login": Row(GET=EVERYONE),
    "logout": Row(POST=allow(EVERYONE, nothing_to_do=EVERYONE)),
    "password_reset": Row(GET=EVERYONE),
    "password_reset_done": Row(GET=EVERYONE),
    "password_reset_confirm": Row(GET=EVERYONE, kwargs={"uidb64": lambda w: "MQ", "token": lambda w: "x-y"}),
    "password_reset_complete": Row(GET=EVERYONE),
    "password_change": Row(GET=SIGNED_IN),
    "password_change_done": Row(GET=SIGNED_IN),
    "account": Row(GET=SIGNED_IN),
    # Sending oneself the link; everyone here has confirmed already, so there is nothing to send.
    "verify_email_send": Row(POST=allow(SIGNED_IN, nothing_to_do=SIGNED_IN)),
    # The link confirms an address only for the account it was sent for, signed in.
    "verify_email": Row(GET=["buyer_editor"], kwargs={"token": lambda w: token_for(w.users["buyer_editor"])}),
    "tokens": Row(GET=SIGNED_IN, POST=SIGNED_IN, data=lambda w, p: {"name": "Ny integrasjon"}),
    # Only one's own token is found: this one is the buyer editor's.
    "token_revoke": Row(POST=["buyer_editor"], kwargs={"token_id": page_token}),
    # Organisations: the rows point at Sykehjemsetaten, the agency of Oslo kommune that owns the need.
    "orgs:list": Row(GET=EVERYONE),
    "orgs:detail": Row(GET=EVERYONE),
    "orgs:edit": Row(
        GET=OWNER_EDITORS,
        POST=OWNER_EDITORS,
        data=lambda w, p: {"name": "Sykehjemsetaten i Oslo", "kind": "municipality", "country": "NO"},
    ),
    # Administrators only: no persona administers Sykehjemsetaten, so staff alone.
    "orgs:unit_add": Row(
        GET=["staff"], POST=["staff"], data=lambda w, p: {"name": "Nytt kontor", "unit": "procurement_office"}
    ),
    "orgs:members": Row(
        GET=["staff"],
        POST=["staff"],
        data=lambda w, p: {"email": "other_buyer@test.example", "role": "viewer"},
    ),
    "orgs:member_change": Row(
        POST=["staff"],
        kwargs={"membership_id": lambda w: w.users["buyer_editor"].memberships.get().pk},
        data=lambda w, p: {"role": "admin"},
    ),
    # Needs: a published public need with a joint process; a draft; a published need shared by invitation.
    "needs:list": Row(GET=EVERYONE),
    "needs:create": Row(GET=BUYER_EDITORS, POST=BUYER_EDITORS, data=need_form),
    "needs:detail": Row(GET=EVERYONE),
    "needs:detail@draft": Row(GET=DRAFT_READERS, kwargs={"need_id": lambda w: w.draft_need.pk}),
    "needs:detail@shared": Row(
        GET=DRAFT_READERS | {"follower"}, kwargs={"need_id": lambda w: w.shared_need.pk}
    ),
    # A buyer never edits another buyer's need; a follower reads the shared need but does not edit it.
    "needs:edit": Row(
        GET=OWNER_EDITORS,
        POST=OWNER_EDITORS,
        data=lambda w, p: need_form(w, p, organisation=w.need.organisation),
    ),
    "needs:edit@draft": Row(
        GET=OWNER_EDITORS,
        POST=OWNER_EDITORS,
        kwargs={"need_id": lambda w: w.draft_need.pk},
        data=lambda w, p: need_form(w, p, organisation=w.draft_need.organisation),
    ),
    "needs:publish": Row(POST=OWNER_EDITORS, kwargs={"need_id": lambda w: w.draft_need.pk}),
    "needs:status": Row(POST=OWNER_EDITORS, data=lambda w, p: {"status": "in_procurement"}),
    "needs:add_cpv": Row(POST=OWNER_EDITORS, data=lambda w, p: {"code": "85310000"}),
    # The follower has joined: the lead's editors take it out of the process; the rule is the need's.
    "needs:withdraw": Row(POST=OWNER_EDITORS, kwargs={"participant_id": lambda w: w.follower_participant.pk}),
    # The follower's own editors leave for it (staff may too); the lead cannot leave for it.
    "needs:leave": Row(
        POST=["follower", "staff"], kwargs={"participant_id": lambda w: w.follower_participant.pk}
    ),
    "needs:invite": Row(
        POST=OWNER_EDITORS,
        data=lambda w, p: {"organisation": w.personas.stavanger.pk, "role": "follower", "option_terms": "10"},
    ),
    # The invited buyer's editors answer for it (staff may too). The world's follower has already
    # accepted, so its answer is refused as no longer open and nothing changes.
    "needs:answer": Row(
        POST=allow(["follower", "staff"], nothing_to_do=["follower", "staff"]),
        kwargs={"participant_id": lambda w: w.follower_participant.pk},
        data=lambda w, p: {"answer": "decline"},
    ),
    "reference:cpv_search": Row(GET=EVERYONE),
    "reference:cpv_detail": Row(GET=EVERYONE),
    "reference:sdg_list": Row(GET=EVERYONE),
    # Procurements are public; the buyer's editors run them.
    "procedures:procurements": Row(GET=EVERYONE),
    "procedures:procurement_create": Row(
        GET=BUYER_EDITORS,
        POST=BUYER_EDITORS,
        data=lambda w, p: {
            "buyer": home(w, p).pk,
            "title": "Ny anskaffelse",
            "procedure_type": "innovation_partnership",
            "start": "2026-06-01",
        },
    ),
    "procedures:procurement": Row(GET=EVERYONE),
    "procedures:procurement@draft_need": Row(
        GET=EVERYONE, kwargs={"procurement_id": lambda w: w.draft_procurement.pk}
    ),
    "procedures:phases": Row(GET=OWNER_EDITORS, POST=OWNER_EDITORS, data=phases_form),
    "procedures:procurement_add": Row(
        POST=OWNER_EDITORS, data=lambda w, p: {"lot-number": 2, "lot-title": "Programvare"}
    ),
    "procedures:procurement_ics": Row(GET=EVERYONE),
    # OCDS is for publishing: anyone who may read the procurement's page may download its package.
    "procedures:procurement_ocds": Row(GET=EVERYONE),
    "procedures:procurement_ocds@draft_need": Row(
        GET=EVERYONE, kwargs={"procurement_id": lambda w: w.draft_procurement.pk}
    ),
    "procedures:procurement_ics@draft_need": Row(
        GET=EVERYONE, kwargs={"procurement_id": lambda w: w.draft_procurement.pk}
    ),
    "procedures:notice_details": Row(
        POST=OWNER_EDITORS,
        data=lambda w, p: {
            "notice-description": "Sensorer",
            "notice-submission_url": "https://tender.example",
            "notice-contract_months": 24,
        },
    ),
    # The draft is offered only when it passes the eForms checks; the world's procurement may not (422).
    "procedures:notice_draft": Row(
        GET=allow(OWNER_EDITORS, nothing_to_do=OWNER_EDITORS), kwargs={"kind": lambda w: "advisory"}
    ),
    "procedures:advisor": Row(GET=EVERYONE),
    "procedures:notice_list": Row(GET=EVERYONE),
    "procedures:notice_detail": Row(GET=EVERYONE),
    # Suppliers: the rows point at the supplier persona's own organisation.
    "suppliers:list": Row(GET=EVERYONE),
    "suppliers:signup": Row(GET=EVERYONE, POST=EVERYONE, data=signup_form),
    "suppliers:detail": Row(GET=EVERYONE),
    "suppliers:profile_edit": Row(
        GET=["supplier", "staff"],
        POST=["supplier", "staff"],
        data=lambda w, p: {
            "summary": "Nytt sammendrag",
            "contacts-TOTAL_FORMS": 0,
            "contacts-INITIAL_FORMS": 0,
        },
    ),
    "suppliers:solution_create": Row(
        GET=["supplier", "staff"],
        POST=["supplier", "staff"],
        data=lambda w, p: {
            "title": "Ny løsning",
            "description": "Beskrivelse",
            "maturity": "idea",
            "references-TOTAL_FORMS": 0,
            "references-INITIAL_FORMS": 0,
        },
    ),
    # A supplier with no profile yet: a refused request must not make one.
    "suppliers:profile_edit@new": Row(
        GET=["staff"],
        POST=["staff"],
        kwargs={"organisation_id": lambda w: w.new_supplier_org.pk},
        data=lambda w, p: {
            "summary": "Nytt sammendrag",
            "contacts-TOTAL_FORMS": 0,
            "contacts-INITIAL_FORMS": 0,
        },
    ),
    "suppliers:solution_create@new": Row(
        GET=["staff"],
        POST=["staff"],
        kwargs={"organisation_id": lambda w: w.new_supplier_org.pk},
        data=lambda w, p: {
            "title": "Ny løsning",
            "description": "Beskrivelse",
            "maturity": "idea",
            "references-TOTAL_FORMS": 0,
            "references-INITIAL_FORMS": 0,
        },
    ),
    "suppliers:solution_edit": Row(
        GET=["supplier", "staff"],
        POST=["supplier", "staff"],
        data=lambda w, p: {
            "title": "Endret løsning",
            "description": "Beskrivelse",
            "maturity": "piloted",
            "references-TOTAL_FORMS": 0,
            "references-INITIAL_FORMS": 0,
        },
    ),
    "suppliers:solution_delete": Row(POST=["supplier", "staff"]),
    "suppliers:need_suppliers": Row(GET=EVERYONE),
    "suppliers:partnering_send": Row(
        POST=SUPPLIERS,
        kwargs={"organisation_id": lambda w: w.partner_org.pk},
        data=lambda w, p: {"message": "Skal vi gå sammen?"},
    ),
    "suppliers:partnering": Row(GET=SIGNED_IN),
    "suppliers:partnering_answer": Row(POST=["startup"], data=lambda w, p: {"answer": "accept"}),
    "suppliers:proposals": Row(GET=SIGNED_IN),
    "suppliers:proposal_create": Row(
        GET=SUPPLIERS,
        POST=SUPPLIERS,
        data=lambda w, p: {"title": "Forslag", "description": "Vi foreslår", "buyer": w.personas.oslo.pk},
    ),
    # A proposal is confidential between the supplier and the receiving buyer: not staff, not facilitators.
    "suppliers:proposal_detail": Row(GET=OSLO | {"supplier"}),
    "suppliers:proposal_move": Row(POST=["buyer_editor"], data=lambda w, p: {"status": "under_review"}),
    "suppliers:subscriptions": Row(
        GET=SIGNED_IN,
        POST=SUPPLIERS,
        data=lambda w, p: {"name": "Ny", "cpv": "48", "frequency": "daily", "active": "on"},
    ),
    "suppliers:subscription_edit": Row(
        GET=["supplier"],
        POST=["supplier"],
        data=lambda w, p: {"name": "Endret", "keywords": "sensor", "frequency": "weekly", "active": "on"},
    ),
    "suppliers:alerts": Row(GET=SIGNED_IN),
    # The unguessable token in the link is the authority (one-click unsubscribe from a mail client).
    "suppliers:unsubscribe": Row(GET=EVERYONE, POST=EVERYONE),
    "suppliers:unsubscribe@unknown": Row(GET=NOBODY, POST=NOBODY, kwargs={"token": lambda w: "not-a-token"}),
    # Market dialogue: a published one-to-one meeting of the need, and a draft meeting.
    "dialogue:list": Row(GET=EVERYONE),
    "dialogue:create": Row(GET=OWNER_EDITORS, POST=OWNER_EDITORS, data=meeting_form),
    # The dialogue of the need: everyone reads the published reports, its hosts every meeting's; the
    # markers check that the confidential answers never reach what the others read.
    "dialogue:need_report": Row(GET=EVERYONE),
    "dialogue:need_report@docx": Row(GET=EVERYONE, query=lambda w: "format=docx"),
    "dialogue:need_report@pdf": Row(GET=EVERYONE, query=lambda w: "format=pdf"),
    "dialogue:meeting": Row(GET=EVERYONE),
    "dialogue:meeting@draft": Row(GET=HOSTS | {"staff"}, kwargs={"meeting_id": lambda w: w.draft_meeting.pk}),
    "dialogue:edit": Row(GET=HOST_EDITORS, POST=HOST_EDITORS, data=meeting_form),
    "dialogue:publish": Row(POST=HOST_EDITORS, kwargs={"meeting_id": lambda w: w.draft_meeting.pk}),
    "dialogue:ics": Row(GET=EVERYONE),
    # The startup is registered already; the supplier registers.
    "dialogue:register": Row(
        POST=allow(SUPPLIERS, nothing_to_do={"startup"}),
        data=lambda w, p: {"attendees": "Kari Nordmann, kari@test.example"},
    ),
    "dialogue:cancel": Row(POST=["startup"]),
    "dialogue:attendance": Row(POST=HOST_EDITORS, data=lambda w, p: {"attended": "yes"}),
    "dialogue:slots": Row(
        POST=HOST_EDITORS,
        data=lambda w, p: {
            "start": local(w.meeting.starts_at + datetime.timedelta(hours=2)),
            "end": local(w.meeting.starts_at + datetime.timedelta(hours=3)),
            "minutes": 30,
            "pause": 5,
        },
    ),
    # The startup has booked the one slot a supplier may book; the supplier books the free one.
    "dialogue:book": Row(
        POST=allow(SUPPLIERS, nothing_to_do={"startup"}), kwargs={"slot_id": lambda w: w.free_slot.pk}
    ),
    "dialogue:booking_cancel": Row(POST=["startup"], kwargs={"slot_id": lambda w: w.booked_slot.pk}),
    "dialogue:question_add": Row(
        POST=HOST_EDITORS,
        data=lambda w, p: {
            "phase": "before",
            "kind": "text",
            "text": "Nytt?",
            "scale_min": 1,
            "scale_max": 5,
            "order": 0,
        },
    ),
    "dialogue:answers": Row(
        POST=SUPPLIERS,
        kwargs={"phase": lambda w: "before"},
        data=lambda w, p: {f"before-q{w.question.pk}": f"Svar fra {p}"},
    ),
    "dialogue:ask": Row(POST=SUPPLIERS, data=lambda w, p: {"text": "Hvor mange senger?"}),
    "dialogue:answer_asked": Row(
        POST=HOST_EDITORS,
        kwargs={"question_id": lambda w: w.supplier_question.pk},
        data=lambda w, p: {"answer": "Om lag 300."},
    ),
    "dialogue:note_add": Row(POST=HOST_EDITORS, data=lambda w, p: {"topic": "Bord 2", "notes": "Notat"}),
    "dialogue:report": Row(
        GET=HOST_EDITORS, POST=HOST_EDITORS, data=lambda w, p: {"action": "save", "summary": "Sammendrag"}
    ),
    "dialogue:report_pdf": Row(GET=HOST_EDITORS),
    "dialogue:report_docx": Row(GET=HOST_EDITORS),
    # A published report is as public as its meeting, and quotes only what suppliers marked shareable.
    "dialogue:report@published": Row(
        GET=EVERYONE,
        POST=HOST_EDITORS,
        kwargs={"meeting_id": lambda w: w.reported_meeting.pk},
        data=lambda w, p: {"action": "save", "summary": "Sammendrag"},
    ),
    "dialogue:report_pdf@published": Row(
        GET=EVERYONE, kwargs={"meeting_id": lambda w: w.reported_meeting.pk}
    ),
    "dialogue:report_docx@published": Row(
        GET=EVERYONE, kwargs={"meeting_id": lambda w: w.reported_meeting.pk}
    ),
    # Portfolio: a project of Sykehjemsetaten in KS's programme, which Bærum (the follower) is a member of.
    "portfolio:projects": Row(GET=SIGNED_IN),
    "portfolio:project_create": Row(
        GET=PUBLIC_EDITORS,
        POST=PUBLIC_EDITORS,
        data=lambda w, p: {"title": "Nytt prosjekt", "owners": [home(w, p).pk]},
    ),
    "portfolio:project": Row(GET=PROJECT_READERS),
    "portfolio:gate": Row(
        POST=PROJECT_EDITORS,
        data=lambda w, p: {"decision": "go", "reason": "Skaleres", "decided_on": "2026-06-02"},
    ),
    "portfolio:project_add": Row(
        POST=PROJECT_EDITORS,
        kwargs={"what": lambda w: "funding"},
        data=lambda w, p: {"source": "national", "amount": "100000"},
    ),
    # Programmes are for facilitators who edit for a facilitating organisation (KS).
    "portfolio:programme_create": Row(
        GET=["facilitator"],
        POST=["facilitator"],
        data=lambda w, p: {
            "name": "Nytt program",
            "facilitator": w.facilitator_org.pk,
            "starts_on": "2026-01-01",
            "ends_on": "2027-01-01",
        },
    ),
    "portfolio:programme": Row(GET=["follower", "facilitator", "staff"]),
    "portfolio:health": Row(
        GET=PROJECT_READERS - {"follower"}, query=lambda w: f"org={w.personas.sykehjemsetaten.pk}"
    ),
    "portfolio:leaders": Row(
        GET=PROJECT_READERS - {"follower"}, query=lambda w: f"org={w.personas.sykehjemsetaten.pk}"
    ),
    "portfolio:adoption": Row(
        GET=PROJECT_READERS - {"follower"}, query=lambda w: f"org={w.personas.sykehjemsetaten.pk}"
    ),
    # Spend belongs to Oslo kommune (the top of the hierarchy): its members read, its editors change.
    "spend:index": Row(GET=EVERYONE),
    "spend:report": Row(GET=["buyer_viewer", "staff"]),
    "spend:openings": Row(GET=EVERYONE),
    "spend:settings": Row(POST=["staff"], data=lambda w, p: {"openings_visibility": "hidden"}),
    "spend:unresolved": Row(GET=["buyer_viewer", "staff"]),
    "spend:link": Row(POST=["staff"], data=lambda w, p: {"orgnr": "999000037"}),
    "spend:import_remove": Row(POST=["staff"]),
    "spend:uploads": Row(GET=["staff"], POST=["staff"], data=spend_upload),
    "spend:upload": Row(GET=["staff"], kwargs={"upload_id": lambda w: w.spend_upload.pk}),
    # The world's upload has not stalled: whoever may change spend is told so, and nothing changes.
    "spend:upload_restart": Row(
        POST=allow(["staff"], nothing_to_do=["staff"]), kwargs={"upload_id": lambda w: w.spend_upload.pk}
    ),
    # Key figures of Sykehjemsetaten; facilitators read every figure.
    "kpis:figures": Row(GET=SIGNED_IN),
    "kpis:figure_create": Row(
        GET=PUBLIC_EDITORS,
        POST=PUBLIC_EDITORS,
        data=lambda w, p: {
            "owner": home(w, p).pk,
            "name_nb": "Ny",
            "unit": "stk",
            "period": "month",
            "direction": "higher",
        },
    ),
    "kpis:figure": Row(GET=FIGURE_READERS),
    "kpis:figure_value": Row(POST=OWNER_EDITORS, data=lambda w, p: {"period": "2026-04", "value": "130"}),
    "kpis:connector_add": Row(
        POST=OWNER_EDITORS,
        data=lambda w, p: {
            "kind": "skala",
            "config_text": '{"measure": "joint_processes"}',
            "every_minutes": 60,
            "timeout_seconds": 10,
            "retries": 3,
        },
    ),
    "kpis:connector_pull": Row(POST=OWNER_EDITORS),
    "kpis:screen_create": Row(
        GET=PUBLIC_EDITORS,
        POST=PUBLIC_EDITORS,
        data=lambda w, p: {
            "owner": home(w, p).pk,
            "name": "Ny skjerm",
            "rotate_seconds": 15,
            "refresh_seconds": 60,
            "tiles_per_page": 6,
            "language": "nb",
        },
    ),
    "kpis:screen": Row(GET=OWNER_EDITORS, POST=OWNER_EDITORS, data=lambda w, p: {"action": "revoke"}),
    # The wall needs no login: its secret link is the authority, and a revoked link answers 404.
    "kpis:wall": Row(GET=EVERYONE),
    "kpis:wall@revoked": Row(GET=NOBODY, kwargs={"token": lambda w: w.revoked_screen.token}),
    "kpis:wall_tiles": Row(GET=EVERYONE),
    "kpis:wall_tiles@revoked": Row(GET=NOBODY, kwargs={"token": lambda w: w.revoked_screen.token}),
    "kpis:demo_core_system": Row(GET=EVERYONE),
    # The person's own data: everyone signed in, for themselves only.
    "privacy:overview": Row(GET=SIGNED_IN),
    "privacy:export": Row(GET=SIGNED_IN),
    "privacy:delete": Row(
        GET=SIGNED_IN, POST=SIGNED_IN, data=lambda w, p: {"password": PASSWORD, "confirm": "on"}
    ),
    # The API's own pages (its operations are declared in API below).
    "api-v1:api-root": Row(GET=NOBODY),
    "api-v1:openapi-json": Row(GET=EVERYONE),
    "api-v1:openapi-view": Row(GET=EVERYONE),
}

# What each URL keyword means, by namespace where it differs.
KWARGS: dict[str, Callable[[World], object]] = {
    "need_id": lambda w: w.need.pk,
    "participant_id": lambda w: w.follower_participant.pk,
    "organisation_id": lambda w: w.personas.sykehjemsetaten.pk,
    "code8": lambda w: "85310000",
    "procurement_id": lambda w: w.procurement.pk,
    "what": lambda w: "lot",
    "notice_id": lambda w: w.notice.pk,
    "solution_id": lambda w: w.supplier_solution.pk,
    "request_id": lambda w: w.partnering_request.pk,
    "proposal_id": lambda w: w.proposal.pk,
    "subscription_id": lambda w: w.subscription.pk,
    "token": lambda w: w.subscription.token,
    "meeting_id": lambda w: w.meeting.pk,
    "registration_id": lambda w: w.registration.pk,
    "attendee_id": lambda w: w.attendee.pk,
    "slot_id": lambda w: w.free_slot.pk,
    "question_id": lambda w: w.supplier_question.pk,
    "project_id": lambda w: w.project.pk,
    "programme_id": lambda w: w.programme.pk,
    "supplier_id": lambda w: w.spend_supplier.pk,
    "import_id": lambda w: w.spend_import.pk,
    "figure_id": lambda w: w.figure.pk,
    "connector_id": lambda w: w.connector.pk,
    "screen_id": lambda w: w.screen.pk,
}
NAMESPACE_KWARGS: dict[str, dict[str, Callable[[World], object]]] = {
    "suppliers": {"organisation_id": lambda w: w.personas.supplier_org.pk},
    "spend": {"organisation_id": lambda w: w.personas.oslo.pk},
    "kpis": {"token": lambda w: w.screen.token},
}

# ---------------------------------------------------------------------------------------------------
# The table of the API: one row per path of the OpenAPI schema (without /api/v1), methods as declared.


def meeting_json(w: World, persona: str) -> dict:
    return {
        "need": w.need.pk,
        "title": "Nytt dialogmøte",
        "starts_at": later(40).isoformat(),
        "ends_at": later(40, 2).isoformat(),
        "registration_deadline": later(35).isoformat(),
    }


TEXTS = lambda w, p: [{"id": 1, "text": "Sensorer som varsler ved fall om natten"}]  # noqa: E731

API: dict[str, Row] = {
    "/reference/cpv/{code}": Row(GET=EVERYONE, kwargs={"code": lambda w: "85310000"}),
    "/reference/cpv": Row(GET=EVERYONE, query=lambda w: "q=sensor"),
    "/reference/sdgs": Row(GET=EVERYONE),
    "/reference/places": Row(GET=EVERYONE),
    "/organisations": Row(GET=EVERYONE),
    "/organisations/{organisation_id}": Row(GET=EVERYONE),
    "/me": Row(GET=SIGNED_IN),
    "/needs": Row(
        GET=EVERYONE,
        POST=BUYER_EDITORS,
        data=lambda w, p: {"organisation": home(w, p).pk, "title": "Nytt behov", "problem": "Et problem."},
    ),
    "/needs/{need_id}": Row(GET=EVERYONE, PATCH=OWNER_EDITORS, data=lambda w, p: {"title": "Endret behov"}),
    "/needs/{need_id}@draft": Row(
        GET=DRAFT_READERS,
        PATCH=OWNER_EDITORS,
        kwargs={"need_id": lambda w: w.draft_need.pk},
        data=lambda w, p: {"title": "Endret utkast"},
    ),
    "/needs/{need_id}@shared": Row(
        GET=DRAFT_READERS | {"follower"}, kwargs={"need_id": lambda w: w.shared_need.pk}
    ),
    "/needs/{need_id}/status": Row(POST=OWNER_EDITORS, data=lambda w, p: {"status": "in_procurement"}),
    "/needs/{need_id}/similar": Row(GET=EVERYONE),
    "/needs/{need_id}/process/invitations": Row(
        POST=OWNER_EDITORS,
        data=lambda w, p: {"organisation": w.personas.stavanger.pk, "role": "follower", "option_terms": "10"},
    ),
    "/needs/{need_id}/process/invitations/{participant_id}/answer": Row(
        POST=allow(["follower", "staff"], nothing_to_do=["follower", "staff"]),
        data=lambda w, p: {"accept": False},
    ),
    "/needs/{need_id}/process/invitations/{participant_id}/withdraw": Row(POST=OWNER_EDITORS),
    "/needs/{need_id}/process/invitations/{participant_id}/leave": Row(POST=["follower", "staff"]),
    "/match/cpv": Row(POST=allow(EVERYONE, nothing_to_do=EVERYONE), data=TEXTS),
    "/match/similar": Row(POST=allow(EVERYONE, nothing_to_do=EVERYONE), data=TEXTS),
    "/notices": Row(GET=EVERYONE),
    "/notices/{import_id}": Row(GET=EVERYONE, kwargs={"import_id": lambda w: w.notice.import_id}),
    "/procedures/advice": Row(GET=EVERYONE, query=lambda w: "value_nok=2000000"),
    "/ocds/releases": Row(GET=EVERYONE),
    "/procedures/procurements/{procurement_id}/eforms/{kind}": Row(
        GET=allow(OWNER_EDITORS, nothing_to_do=OWNER_EDITORS), kwargs={"kind": lambda w: "advisory"}
    ),
    "/suppliers": Row(GET=EVERYONE),
    "/suppliers/for-need/{need_id}": Row(GET=EVERYONE),
    "/suppliers/for-need/{need_id}@draft": Row(
        GET=DRAFT_READERS, kwargs={"need_id": lambda w: w.draft_need.pk}
    ),
    "/suppliers/{organisation_id}": Row(
        GET=EVERYONE, PATCH=["supplier", "staff"], data=lambda w, p: {"summary": "Nytt sammendrag"}
    ),
    "/suppliers/{organisation_id}@new": Row(
        PATCH=["staff"],
        kwargs={"organisation_id": lambda w: w.new_supplier_org.pk},
        data=lambda w, p: {"summary": "Nytt sammendrag"},
    ),
    "/suppliers/{organisation_id}/solutions@new": Row(
        POST=["staff"],
        kwargs={"organisation_id": lambda w: w.new_supplier_org.pk},
        data=lambda w, p: {"title": "Ny løsning", "description": "Beskrivelse"},
    ),
    "/suppliers/{organisation_id}/needs": Row(GET=EVERYONE),
    "/suppliers/{organisation_id}/solutions": Row(
        POST=["supplier", "staff"], data=lambda w, p: {"title": "Ny løsning", "description": "Beskrivelse"}
    ),
    "/suppliers/solutions/{solution_id}": Row(
        PATCH=["supplier", "staff"], DELETE=["supplier", "staff"], data=lambda w, p: {"title": "Endret"}
    ),
    "/proposals": Row(
        GET=SIGNED_IN,
        POST=SUPPLIERS,
        data=lambda w, p: {"title": "Forslag", "description": "Vi foreslår", "buyer": w.personas.oslo.pk},
    ),
    "/proposals/{proposal_id}": Row(GET=OSLO | {"supplier"}),
    "/proposals/{proposal_id}/status": Row(
        POST=["buyer_editor"], data=lambda w, p: {"status": "under_review"}
    ),
    "/subscriptions": Row(
        GET=SIGNED_IN, POST=SUPPLIERS, data=lambda w, p: {"name": "Ny", "keywords": "sensor"}
    ),
    "/subscriptions/{subscription_id}": Row(DELETE=["supplier"]),
    "/alerts": Row(GET=SIGNED_IN),
    "/dialogue/meetings": Row(GET=EVERYONE, POST=OWNER_EDITORS, data=meeting_json),
    "/dialogue/meetings/{meeting_id}": Row(GET=EVERYONE),
    "/dialogue/meetings/{meeting_id}@draft": Row(
        GET=HOSTS | {"staff"}, kwargs={"meeting_id": lambda w: w.draft_meeting.pk}
    ),
    "/dialogue/meetings/{meeting_id}/publish": Row(
        POST=HOST_EDITORS, kwargs={"meeting_id": lambda w: w.draft_meeting.pk}
    ),
    # Signed-in callers list registrations: hosts see all, a supplier its own (the markers check the rest).
    "/dialogue/meetings/{meeting_id}/registrations": Row(
        GET=SIGNED_IN,
        POST=allow(SUPPLIERS, nothing_to_do={"startup"}),
        data=lambda w, p: {"attendees": [{"name": "Kari", "email": "kari@test.example"}]},
    ),
    "/dialogue/meetings/{meeting_id}/registrations/{registration_id}": Row(DELETE=["startup"]),
    "/dialogue/meetings/{meeting_id}/slots": Row(GET=EVERYONE),
    "/dialogue/meetings/{meeting_id}/slots/{slot_id}/booking": Row(
        POST=allow(SUPPLIERS, nothing_to_do={"startup"})
    ),
    "/dialogue/meetings/{meeting_id}/slots/{slot_id}/booking@booked": Row(
        DELETE=["startup"], kwargs={"slot_id": lambda w: w.booked_slot.pk}
    ),
    "/dialogue/meetings/{meeting_id}/questions": Row(
        GET=EVERYONE, POST=HOST_EDITORS, data=lambda w, p: {"text": "Nytt spørsmål?"}
    ),
    # A supplier reads its own answers only; the startup's confidential answer is marked (SECRET_ANSWER).
    "/dialogue/meetings/{meeting_id}/answers": Row(
        GET=SIGNED_IN, POST=SUPPLIERS, data=lambda w, p: {"question": w.question.pk, "text": f"Svar fra {p}"}
    ),
    "/portfolio/projects": Row(GET=SIGNED_IN),
    "/portfolio/projects/{project_id}": Row(GET=PROJECT_READERS),
    "/portfolio/projects/{project_id}/decisions": Row(
        GET=PROJECT_READERS, POST=PROJECT_EDITORS, data=lambda w, p: {"decision": "go", "reason": "Skaleres"}
    ),
    "/portfolio/projects/{project_id}/adoptions": Row(
        POST=PROJECT_EDITORS,
        data=lambda w, p: {"organisation": w.personas.stavanger.pk, "adopted_on": "2026-06-02"},
    ),
    "/portfolio/projects/{project_id}/benefits": Row(
        POST=PROJECT_EDITORS,
        data=lambda w, p: {"description": "Spart tid", "expected": {"value": 10, "unit": "hours"}},
    ),
    "/portfolio/health": Row(
        GET=PROJECT_READERS - {"follower"}, query=lambda w: f"org={w.personas.sykehjemsetaten.pk}"
    ),
    "/spend/report": Row(GET=["buyer_viewer", "staff"], query=lambda w: f"org={w.personas.oslo.pk}"),
    "/spend/openings": Row(GET=EVERYONE, query=lambda w: f"org={w.personas.oslo.pk}"),
    "/spend/suppliers/unresolved": Row(
        GET=["buyer_viewer", "staff"], query=lambda w: f"org={w.personas.oslo.pk}"
    ),
    "/spend/suppliers/{supplier_id}/link": Row(POST=["staff"], data=lambda w, p: {"orgnr": "999000037"}),
    "/spend/imports": Row(GET=["buyer_viewer", "staff"], query=lambda w: f"org={w.personas.oslo.pk}"),
    "/spend/imports/{import_id}": Row(DELETE=["staff"]),
    "/kpis": Row(GET=SIGNED_IN),
    "/kpis/screens": Row(GET=SIGNED_IN),
    "/kpis/{figure_id}": Row(GET=FIGURE_READERS),
    "/kpis/{figure_id}/series": Row(GET=FIGURE_READERS),
    "/kpis/{figure_id}/values": Row(
        POST=OWNER_EDITORS, data=lambda w, p: [{"period": "2026-04", "value": 130}]
    ),
}
API_KWARGS = {**KWARGS, "organisation_id": lambda w: w.personas.supplier_org.pk}

# Django's admin (and django-rq's pages in it) is for staff: everyone else is sent to the admin's login.
# Every admin URL follows ADMIN unless ADMIN_ROWS says otherwise.
ADMIN = Row(GET=["staff"])
ADMIN_ROWS: dict[str, Row] = {
    "admin:login": Row(GET=EVERYONE),
    "admin:logout": Row(POST=allow(EVERYONE, nothing_to_do=EVERYONE)),
    # Imported and registry data, and task results, are not added by hand: the admin refuses even staff.
    "admin:orgs_registryentry_add": Row(GET=NOBODY),
    "admin:orgs_registryentry_delete": Row(GET=NOBODY),
    "admin:procedures_notice_add": Row(GET=NOBODY),
    # A proposal's routing is read-only to staff; proposals are sent by suppliers only.
    "admin:suppliers_proposalrouting_add": Row(GET=NOBODY),
    # Deleting a routing row would list (and delete) the confidential proposal's events: refused.
    "admin:suppliers_proposalrouting_delete": Row(GET=NOBODY),
    "admin:django_tasks_database_dbtaskresult_add": Row(GET=NOBODY),
    # The autocomplete answers only its widgets' requests (which name the field); a bare call is refused.
    "admin:autocomplete": Row(GET=NOBODY),
}

# Who may read each confidential marker, wherever it might appear.
SECRETS: dict[str, frozenset[str]] = {
    matrix_world.SECRET_DRAFT: DRAFT_READERS,
    # The startup's answer: the hosts and the startup itself; confidential, so not staff or facilitators.
    matrix_world.SECRET_ANSWER: HOSTS | {"startup"},
    # A word only confidential answers use (the startup's and another supplier's).
    matrix_world.SECRET_WORD: HOSTS | {"startup"},
    # Between the sending supplier and the receiving buyer; staff see only its routing in the admin.
    matrix_world.SECRET_PROPOSAL: OSLO | {"supplier"},
    # Workshop notes are the hosts' (those who run the meeting).
    matrix_world.SECRET_NOTE: HOST_EDITORS,
    # A need published to invited buyers only: its buyer, staff, and the invited follower.
    matrix_world.SECRET_SHARED: DRAFT_READERS | {"follower"},
    # Who registered whom: the hosts, and the registering supplier.
    matrix_world.SECRET_ATTENDEE: HOSTS | {"startup"},
    # A supplier's question stays with those who run the meeting, and the supplier that asked it (the
    # startup), until it is answered, for all.
    matrix_world.SECRET_QUESTION: HOST_EDITORS | {"startup"},
    # Oslo's spend lines: its members and staff.
    matrix_world.SECRET_SPEND: frozenset({"buyer_viewer", "staff"}),
}

# ---------------------------------------------------------------------------------------------------
# What exists: the URL names of skala.urls, and the operations of the API.


@functools.cache
def url_names() -> dict[str, URLPattern]:
    """Every named URL pattern reachable from the root URLconf, by its full (namespaced) name."""
    found: dict[str, URLPattern] = {}

    def walk(resolver: URLResolver, namespaces: tuple[str, ...]) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern, namespaces + ((pattern.namespace,) if pattern.namespace else ()))
            elif pattern.name:
                found.setdefault(":".join((*namespaces, pattern.name)), pattern)
            elif not namespaces or namespaces[0] != "admin":
                found[f"<unnamed {pattern.pattern}>"] = pattern

    walk(get_resolver(), ())
    return found


def api_operations() -> set[tuple[str, str]]:
    """(method, path) of every operation in the OpenAPI schema, paths without the /api/v1 prefix."""
    from skala.api import api

    paths = api.get_openapi_schema()["paths"]
    return {(method.upper(), path.removeprefix("/api/v1")) for path, item in paths.items() for method in item}


def page_routes() -> set[str]:
    """The URL names the page table must declare: all but the admin's and the API's operations."""
    operations = {name for name in url_names() if name.startswith("api-v1:")} - {
        key for key in PAGES if key.startswith("api-v1:")
    }
    return {name for name in url_names() if not name.startswith("admin:")} - operations


def test_every_page_route_is_declared_and_every_declared_route_exists():
    declared = {key.split("@")[0] for key in PAGES}
    api_pages = {name for name in url_names() if name.startswith("api-v1:")}
    missing = sorted(page_routes() - declared)
    gone = sorted(declared - set(url_names()))
    assert not missing, f"Declare these routes in PAGES: {missing}"
    assert not gone, f"These declared routes no longer exist: {gone}"
    assert {key for key in declared if key.startswith("api-v1:")} <= api_pages


def test_every_api_operation_is_declared_and_every_declared_operation_exists():
    declared = {(method, key.split("@")[0]) for key, row in API.items() for method in row.methods()}
    existing = api_operations()
    assert not sorted(existing - declared), f"Declare these API operations: {sorted(existing - declared)}"
    assert not sorted(declared - existing), (
        f"These declared operations no longer exist: {sorted(declared - existing)}"
    )


def test_the_table_names_only_known_personas():
    assert set(ADMIN_ROWS) <= set(admin_names()), "ADMIN_ROWS names an admin URL that no longer exists"
    for table in (PAGES, API, ADMIN_ROWS):
        for key, row in table.items():
            for method, rule in row.methods().items():
                assert rule.allowed <= EVERYONE, (key, method)
                assert rule.nothing_to_do <= rule.allowed, (key, method)
            if row.data is not None:
                assert set(row.methods()) - {"GET"}, f"{key} has a payload but no write"


# ---------------------------------------------------------------------------------------------------
# The cases: one (route, method, persona) each.


def admin_names() -> list[str]:
    return sorted(name for name in url_names() if name.startswith("admin:"))


def cases():
    for key, row in PAGES.items():
        for method in row.methods():
            for persona in PERSONAS:
                yield pytest.param("page", key, method, persona, id=f"{key} {method} {persona}")
    for key, row in API.items():
        for method in row.methods():
            for persona in PERSONAS:
                yield pytest.param("api", key, method, persona, id=f"{method} {key} {persona}")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, built once inside a transaction that is rolled back when the module is done."""
    hashing = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        SKALA_SPEND_DIR=tmp_path_factory.mktemp("spend"),
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
    )
    with django_db_blocker.unblock(), hashing:
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = build_world(tmp_path_factory.mktemp("world"))
            built.sessions = {persona: session_for(user) for persona, user in built.users.items() if user}
            # One client per persona: a new client loads the middleware again (WhiteNoise scans every file).
            built.clients = {persona: Client() for persona in PERSONAS}
            built.baseline = snapshot()
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def session_for(user) -> str:
    """A signed-in session, made once, so that a case need not log in (a write) before its request."""
    client = Client()
    # Named, so that the session does not depend on the order of AUTHENTICATION_BACKENDS.
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def write_count() -> int | None:
    """Rows written on this connection so far, where the database counts them cheaply."""
    queries = {
        "sqlite": "SELECT total_changes()",
        "postgresql": "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)"
        " FROM pg_stat_xact_user_tables",
    }
    if connection.vendor not in queries:
        return None
    with connection.cursor() as cursor:
        cursor.execute(queries[connection.vendor])
        return cursor.fetchone()[0]


# Tables that change on every request, or are not the project's data.
SKIPPED_MODELS = {"sessions.session", "contenttypes.contenttype", "auth.permission", "admin.logentry"}
VOLATILE_FIELDS = {("orgs.apitoken", "last_used_at"), ("orgs.user", "last_login")}


def snapshot_queries() -> dict[str, str]:
    """One SELECT of every row for each table the project owns (reference data by count), made once."""
    if not SNAPSHOT_SQL:
        quote = connection.ops.quote_name
        for model in apps.get_models(include_auto_created=True):
            meta = model._meta
            if meta.label_lower in SKIPPED_MODELS or not meta.managed:
                continue
            if meta.app_label == "reference":
                SNAPSHOT_SQL[meta.label_lower] = f"SELECT count(*) FROM {quote(meta.db_table)}"
                continue
            columns = ", ".join(
                quote(f.column)
                for f in meta.concrete_fields
                if (meta.label_lower, f.name) not in VOLATILE_FIELDS
            )
            SNAPSHOT_SQL[meta.label_lower] = (
                f"SELECT {columns} FROM {quote(meta.db_table)} ORDER BY {quote(meta.pk.column)}"
            )
    return SNAPSHOT_SQL


SNAPSHOT_SQL: dict[str, str] = {}


def snapshot() -> dict[str, list]:
    """Every row of those tables, to compare before and after a request."""
    state = {}
    with connection.cursor() as cursor:
        for label, sql in snapshot_queries().items():
            cursor.execute(sql)
            state[label] = cursor.fetchall()
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(label for label in before if before[label] != after[label])


def fill(pattern_kwargs, namespace: str, row: Row, world: World, defaults) -> dict:
    values = {}
    for name in pattern_kwargs:
        maker = row.kwargs.get(name) or NAMESPACE_KWARGS.get(namespace, {}).get(name) or defaults.get(name)
        assert maker is not None, f"No value for the URL keyword {name}: add it to KWARGS"
        values[name] = maker(world)
    return values


def page_path(key: str, row: Row, world: World) -> str:
    name = key.split("@")[0]
    pattern = url_names()[name]
    kwargs = fill(_keywords(pattern), name.partition(":")[0], row, world, KWARGS)
    path = reverse(name, kwargs=kwargs)
    return f"{path}?{row.query(world)}" if row.query else path


def _keywords(pattern: URLPattern) -> list[str]:
    return list(pattern.pattern.regex.groupindex)


def api_path(key: str, row: Row, world: World) -> str:
    template = key.split("@")[0]
    names = [part[1:-1] for part in template.split("/") if part.startswith("{")]
    values = fill(names, "", row, world, API_KWARGS)
    path = "/api/v1" + template.format(**values)
    return f"{path}?{row.query(world)}" if row.query else path


def admin_path(name: str, world: World) -> str:
    """The admin page's path, with an existing object where it names one."""
    kwargs = {}
    for keyword in _keywords(url_names()[name]):
        if keyword in {"object_id", "id"}:
            found = admin_object(name)
            kwargs[keyword] = found.pk if found else 0
        elif keyword == "app_label":
            kwargs[keyword] = "orgs"
        elif keyword in {"queue_index", "connection_index", "scheduler_index", "content_type_id"}:
            kwargs[keyword] = 0
        else:
            kwargs[keyword] = "x"
    return reverse(name, kwargs=kwargs)


def admin_model(name: str):
    """The model behind admin:<app>_<model>_<view>, if it is one of the database's."""
    for model in apps.get_models():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix) and model._meta.managed:
            return model
    return None


def admin_object(name: str):
    model = admin_model(name)
    return model.objects.order_by("pk").first() if model else None


def is_login_redirect(response, admin: bool = False) -> bool:
    target = response.headers.get("Location", "")
    login = "/admin/login/" if admin else reverse("login")
    return response.status_code == 302 and login in target


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def body_text(response) -> str:
    """What the response says, as text: pages and JSON as they are, documents unpacked."""
    content = (
        b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    )
    content_type = response.headers.get("Content-Type", "")
    if content_type.startswith(DOCX):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            xml = " ".join(
                archive.read(name).decode() for name in archive.namelist() if name.endswith(".xml")
            )
        return re.sub(r"<[^>]+>", "", xml)
    if content_type.startswith("application/pdf"):
        return pdf_text(content)
    if not any(kind in content_type for kind in ("text/", "json", "calendar", "xml")):
        return ""
    return content.decode(errors="replace")


def pdf_text(content: bytes) -> str:
    """The text drawn in a PDF: its content streams, inflated where they are compressed."""
    parts = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.DOTALL):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            parts.append(stream)
    return b"".join(parts).decode("latin-1")


def request(kind: str, key: str, method: str, persona: str, world: World):
    user = world.users[persona]
    client = world.clients[persona]
    client.cookies = SimpleCookie()
    if kind == "api":
        row = API[key]
        path = api_path(key, row, world)
        headers = {"HTTP_AUTHORIZATION": f"Bearer {world.tokens[persona]}"} if user else {}
        body = json.dumps(row.data(world, persona)) if row.data and method != "GET" else None
        return client.generic(method, path, body or "", content_type="application/json", **headers)
    if user is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[persona]
    if kind == "admin":
        return client.generic(method, admin_path(key, world))
    row = PAGES[key]
    path = page_path(key, row, world)
    if method == "GET":
        return client.get(path)
    return client.post(path, row.data(world, persona) if row.data else {})


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "key", "method", "persona"), list(cases()))
def test_route(world, kind, key, method, persona):
    check(kind, key, method, persona, world, (API if kind == "api" else PAGES)[key].methods()[method])
    # The case's savepoint is rolled back in any case; marking it so spares the test case's closing check
    # of every foreign key in the database, which on SQLite reads the whole reference data each time.
    transaction.set_rollback(True)


# django-rq's pages read Redis: the matrix checks their refusals, and leaves staff's view of them out.
NEEDS_REDIS = "admin:django_rq_"


@pytest.mark.django_db
@pytest.mark.parametrize("name", admin_names())
def test_admin_route(world, name):
    """One case per admin URL, for every persona in turn: the admin's one gate is Django's is_staff."""
    row = ADMIN_ROWS.get(name, ADMIN)
    for method, rule in row.methods().items():
        for persona in PERSONAS:
            if persona in rule.allowed and (name.startswith(NEEDS_REDIS) or admin_needs_object(name)):
                continue
            with transaction.atomic():
                check("admin", name, method, persona, world, rule)
                transaction.set_rollback(True)
    transaction.set_rollback(True)


def admin_needs_object(name: str) -> bool:
    """Admin pages of one object, where the world holds none of that model."""
    keywords = _keywords(url_names()[name])
    return bool({"object_id", "id"} & set(keywords)) and admin_object(name) is None


def check(kind: str, key: str, method: str, persona: str, world: World, rule: Access) -> None:
    """One request by one persona, checked against the table."""
    allowed = persona in rule.allowed
    writes = method != "GET"
    # Every case starts from the same world (the last one's writes are rolled back), so the
    # world's snapshot, taken once, is the state before the request.
    before = world.baseline
    writes_before = write_count()
    response = request(kind, key, method, persona, world)
    status = response.status_code
    where = response.headers.get("Location", "")
    # A personal token records when it was last used: one row the API writes for every signed-in call.
    expected_writes = 1 if kind == "api" and world.users[persona] else 0

    def changed() -> list[str]:
        if writes_before is not None and write_count() - writes_before <= expected_writes:
            return []
        return changed_tables(before, snapshot())

    if allowed:
        success = 200 <= status < 300 or (
            kind != "api" and status in (301, 302) and not is_login_redirect(response, kind == "admin")
        )
        if persona in rule.nothing_to_do:
            success = success or status in (409, 422)
        assert success, f"{persona} may {method} {key}, but got {status} {where}"
        if writes and persona not in rule.nothing_to_do:
            assert changed(), f"{persona}'s {method} {key} changed nothing"
    else:
        if kind == "api":
            refused = status in (403, 404) or (persona == "anonymous" and status == 401)
        elif kind == "admin":
            # django-rq's statistics answer 401 to anyone without its token.
            refused = is_login_redirect(response, admin=True) or status in (401, 403, 404)
        else:
            refused = status in (403, 404) or (persona == "anonymous" and is_login_redirect(response))
        assert refused, f"{persona} must not {method} {key}, but got {status} {where}"
        assert not changed(), f"{persona}'s refused {method} {key} changed the database: {changed()}"
    text = body_text(response)
    for marker, readers in SECRETS.items():
        if persona not in readers:
            assert marker not in text, f"{method} {key} shows {persona} what only {sorted(readers)} may read"


def test_the_login_page_the_refusals_look_for_is_the_one_login_required_sends_to():
    assert resolve_url(settings.LOGIN_URL) == reverse("login")


# ---------------------------------------------------------------------------------------------------
# What the table must go on saying, whoever edits it: the rules issue 10 names.

OSLO_DATA_PAGES = ("needs:", "dialogue:", "procedures:", "portfolio:", "spend:", "kpis:", "orgs:")
OSLO_DATA_API = ("/needs", "/dialogue", "/procedures", "/portfolio", "/spend", "/kpis")


def writes_of(table: dict[str, Row], prefixes: tuple[str, ...]):
    for key, row in table.items():
        if key.startswith(prefixes):
            for method, rule in row.methods().items():
                if method != "GET":
                    yield key, method, rule


def test_a_supplier_never_reads_another_suppliers_confidential_dialogue_input():
    assert "supplier" not in SECRETS[matrix_world.SECRET_ANSWER]
    assert "startup" in SECRETS[matrix_world.SECRET_ANSWER]  # its own answer


def test_a_buyer_never_edits_another_buyers_need():
    for key in (
        "needs:edit",
        "needs:edit@draft",
        "needs:publish",
        "needs:status",
        "needs:invite",
        "needs:add_cpv",
    ):
        assert "other_buyer" not in PAGES[key].methods()["POST"].allowed, key
    assert "other_buyer" not in API["/needs/{need_id}"].methods()["PATCH"].allowed


def test_a_follower_sees_the_shared_need_and_its_dialogue_but_cannot_edit_the_need():
    assert "follower" in PAGES["needs:detail@shared"].methods()["GET"].allowed
    assert "follower" in PAGES["dialogue:meeting@draft"].methods()["GET"].allowed
    for key, method, rule in writes_of(PAGES, ("needs:",)):
        # Its own answer, its own needs and its own leaving are the follower's writes.
        if key not in ("needs:answer", "needs:create", "needs:leave"):
            assert "follower" not in rule.allowed, (key, method)
    for key, method, rule in writes_of(API, ("/needs/{need_id}",)):
        if not key.endswith(("/answer", "/leave")):
            assert "follower" not in rule.allowed, (key, method)


def test_a_buyer_viewer_changes_none_of_the_buyers_data():
    for key, method, rule in [*writes_of(PAGES, OSLO_DATA_PAGES), *writes_of(API, OSLO_DATA_API)]:
        assert "buyer_viewer" not in rule.allowed, (key, method)


def test_a_revoked_wall_link_is_refused_to_everyone():
    assert PAGES["kpis:wall@revoked"].methods()["GET"].allowed == NOBODY
    assert PAGES["kpis:wall_tiles@revoked"].methods()["GET"].allowed == NOBODY


@pytest.mark.django_db
def test_the_marker_check_reads_the_reports_documents(world):
    # The published report quotes the shareable answer: if the reader found nothing, the markers
    # could not be found either, and the checks on documents would pass for nothing.
    for name in ("dialogue:report_docx", "dialogue:report_pdf"):
        response = world.clients["anonymous"].get(reverse(name, args=[world.reported_meeting.pk]))
        assert response.status_code == 200
        assert "Sensorene" in body_text(response), name
    transaction.set_rollback(True)
