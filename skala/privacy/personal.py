"""Everything Skala holds about one person, to hand over (export) or to take away (erase).

The rows are found from the models themselves, so a model added later is covered without a change
here: every row whose foreign key points at the person, every many-to-many link to them, and every
row whose e-mail field holds their address (a named attendee, a supplier's contact person), once
they have confirmed the address (skala/orgs/verification.py). A row
that is also an organisation's (a need they wrote, a proposal they sent) is exported whole only while
they still act for that organisation; after they leave, the export says that they took part and when.

Erasure deletes the person. Rows that are theirs alone (memberships, tokens, subscriptions, alerts)
go with them (their keys cascade); rows that are also someone else's (needs they wrote, dialogue
registrations and answers, proposals, decisions) stay and point at no one (their keys are set null),
so the dialogue report still counts the input, attributed to no one. Rows that merely name them by
e-mail keep their place with the name and address replaced.
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

# Secrets are never exported, not even to their owner: a token's digest, the password hash.
SECRET_FIELDS = {"password", "digest", "secret"}
# In a row that names a person by e-mail, these fields are theirs too and are replaced on erasure.
NAME_FIELDS = {"name", "phone", "first_name", "last_name", "full_name", "role"}
ERASED_NAME = "–"
ERASED_EMAIL = "erased@erased.invalid"


@dataclass
class Link:
    """One way a model points at a person: a foreign key, a many-to-many field, or an e-mail field."""

    model: type[models.Model]
    field: models.Field
    how: str  # "key", "many", or "email"

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field.name}"

    def rows(self, user, *, unconfirmed: bool = False) -> models.QuerySet:
        """The rows that point at the person; unconfirmed=True also takes rows naming an address the
        person has not confirmed (for staff who checked the person's identity otherwise)."""
        manager = self.model._default_manager
        if self.how == "email":
            if user.email_verified_at is None and not unconfirmed:
                # Anyone can sign up with anyone's address: rows that merely name it are the
                # person's only once they have shown the address is theirs.
                return manager.none()
            return manager.filter(**{f"{self.field.name}__iexact": user.email})
        return manager.filter(**{self.field.name: user})


def links() -> Iterator[Link]:
    """Every field in every model that points at a person."""
    user_model = get_user_model()
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        for each in model._meta.get_fields():
            if each.auto_created and not each.concrete:
                continue  # reverse relations: the forward side is seen on its own model
            if each.many_to_many and each.related_model is user_model:
                yield Link(model, each, "many")
            elif each.is_relation and each.concrete and each.related_model is user_model:
                yield Link(model, each, "key")
            elif isinstance(each, models.EmailField) and model is not user_model:
                yield Link(model, each, "email")


@dataclass
class Child:
    """A model whose rows belong to a row that is the person's alone (an alert of their subscription)."""

    model: type[models.Model]
    field: models.Field

    def rows_of(self, parents: models.QuerySet) -> models.QuerySet:
        return self.model._default_manager.filter(**{f"{self.field.name}__in": parents})


def owned_children(parent: type[models.Model]) -> list[Child]:
    """Models with a cascading key to `parent`: their rows go where the parent row goes."""
    return [
        Child(model, each)
        for model in apps.get_models()
        for each in model._meta.concrete_fields
        if each.is_relation
        and each.related_model is parent
        and each.remote_field.on_delete is models.CASCADE
        and model is not get_user_model()
    ]


def plain(value):
    """A value as JSON can hold it."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | dict | str | int | float | bool) or value is None:
        return value
    return str(value)


def row_dict(row: models.Model, user, link: "Link | Child") -> dict:
    """One row's own fields, without secrets and without anyone else's e-mail address."""
    data = {"id": row.pk, "linked_by": link.field.name}
    for each in row._meta.concrete_fields:
        if each.name in SECRET_FIELDS or each.primary_key:
            continue
        value = getattr(row, each.attname)
        if isinstance(each, models.EmailField) and value and value.lower() != user.email.lower():
            continue
        if each.is_relation and each.related_model is get_user_model() and value != user.pk:
            value = None  # another person is never named in an export, not even by their id
        data[each.name] = plain(value)
    return data


def row_summary(row: models.Model, link: "Link") -> dict:
    """A shared row the person can no longer see: that they took part, and when; not its content."""
    data = {"id": row.pk, "linked_by": link.field.name, "withheld": "no longer a member"}
    for each in row._meta.concrete_fields:
        if isinstance(each, models.DateField | models.DateTimeField):
            data[each.name] = plain(getattr(row, each.attname))
    return data


# On whose behalf a person wrote a shared row: the organisations, by path from the row. A model not
# named here is judged by its own keys to an organisation; one with none is withheld once the person
# is no longer a member anywhere it could belong.
ACTED_FOR = {
    "needs.Need": ["organisation"],
    "needs.Participant": ["process__need__organisation"],
    "procedures.Procurement": ["buyer"],
    "suppliers.Proposal": ["sender"],
    "suppliers.ProposalEvent": ["receiver", "proposal__receiver", "proposal__sender"],
    "dialogue.Meeting": ["need__organisation", "hosts__organisation"],
    "dialogue.Registration": ["supplier"],
    "dialogue.Booking": ["supplier"],
    "dialogue.Answer": ["supplier"],
    "dialogue.SupplierQuestion": ["meeting__need__organisation", "meeting__hosts__organisation"],
    "dialogue.WorkshopNote": ["meeting__need__organisation", "meeting__hosts__organisation"],
    "portfolio.GateDecision": ["project__owners", "project__programme__facilitator"],
    "spend.SpendUpload": ["organisation"],
}


def acted_for(row: models.Model) -> set[int]:
    """The organisations the row belongs to (see ACTED_FOR)."""
    from skala.orgs.models import Organisation

    label = row._meta.label
    paths = ACTED_FOR.get(label) or [
        each.name
        for each in row._meta.concrete_fields
        if each.is_relation and each.related_model is Organisation
    ]
    found: set[int] = set()
    for path in paths:
        found.update(
            value
            for value in type(row)._default_manager.filter(pk=row.pk).values_list(path, flat=True)
            if value is not None
        )
    return found


def still_theirs(row: models.Model, organisation_ids: set[int]) -> bool:
    """Whether the person still acts for an organisation the row belongs to.

    A need they wrote, a proposal they sent: the row is the organisation's and goes on changing after
    they leave (another buyer's answer, later edits, a narrower visibility). Once they are no longer
    a member, the export shows that they took part, not what the row says today.
    """
    return bool(acted_for(row) & organisation_ids)


def export(user) -> dict:
    """Everything Skala holds about `user`, as a JSON-ready dictionary."""
    person = {
        "email": user.email,
        "name": user.name,
        "date_joined": plain(user.date_joined),
        "last_login": plain(user.last_login),
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_facilitator": user.is_facilitator,
        "has_password": user.has_usable_password(),
        "email_confirmed_at": plain(user.email_verified_at),
    }
    memberships = [
        {
            "organisation": membership.organisation.name,
            "organisation_id": membership.organisation_id,
            "role": membership.role,
            "created_at": plain(membership.created_at),
        }
        for membership in user.memberships.select_related("organisation")
    ]
    tokens = [
        {
            "name": token.name,
            "starts_with": token.prefix,
            "created_at": plain(token.created_at),
            "last_used_at": plain(token.last_used_at),
            "revoked_at": plain(token.revoked_at),
        }
        for token in user.api_tokens.all()
    ]
    from skala.orgs.permissions import member_organisations

    organisation_ids = set(member_organisations(user))
    records: dict[str, list[dict]] = {}
    for link in links():
        if link.model is get_user_model() or link.label in {"orgs.Membership.user", "orgs.ApiToken.user"}:
            continue
        rows = link.rows(user).order_by("pk")
        shared = link.how != "email" and link.field.remote_field.on_delete is not models.CASCADE
        for row in rows:
            records.setdefault(link.model._meta.label, []).append(
                row_summary(row, link)
                if shared and not still_theirs(row, organisation_ids)
                else row_dict(row, user, link)
            )
        if link.how == "key" and link.field.remote_field.on_delete is models.CASCADE:
            for child in owned_children(link.model):
                for row in child.rows_of(rows).order_by("pk"):
                    records.setdefault(child.model._meta.label, []).append(row_dict(row, user, child))
    return {
        "exported_at": plain(timezone.now()),
        "person": person,
        "memberships": memberships,
        "api_tokens": tokens,
        "sessions": len(sessions_of(user)),
        "records": records,
    }


def sessions_of(user) -> list[Session]:
    """The person's signed-in sessions (the session store keeps only the user's id, inside its data)."""
    key = str(user.pk)
    return [
        session
        for session in Session.objects.filter(expire_date__gt=timezone.now())
        if session.get_decoded().get("_auth_user_id") == key
    ]


@dataclass
class Erasure:
    """What erasing a person does: rows deleted, rows kept but attributed to no one, rows anonymised."""

    email: str
    deleted: dict[str, int] = field(default_factory=dict)
    kept_anonymous: dict[str, int] = field(default_factory=dict)
    anonymised: dict[str, int] = field(default_factory=dict)
    # Rows naming the address that were left as they are: the person never confirmed it.
    left_unconfirmed: dict[str, int] = field(default_factory=dict)
    sessions: int = 0
    dry_run: bool = False


def erase(user, *, dry_run: bool = False, unconfirmed: bool = False) -> Erasure:
    """Delete the person, keep what they contributed attributed to no one; all or nothing.

    Rows that merely name the person's address are anonymised only when the address is confirmed, or
    when unconfirmed=True (staff who checked the person's identity); otherwise they are counted in
    left_unconfirmed, so whoever erases sees what stayed.
    """
    report = Erasure(email=user.email, dry_run=dry_run)
    with transaction.atomic():
        for link in links():
            if link.model is get_user_model():
                continue
            if link.how == "email" and user.email_verified_at is None and not unconfirmed:
                left = link.rows(user, unconfirmed=True).count()
                if left:
                    report.left_unconfirmed[link.model._meta.label] = left
                continue
            count = link.rows(user, unconfirmed=unconfirmed).count()
            if not count:
                continue
            if link.how == "email":
                report.anonymised[link.model._meta.label] = count
            elif link.how == "many" or link.field.remote_field.on_delete is models.CASCADE:
                report.deleted[link.model._meta.label] = report.deleted.get(link.model._meta.label, 0) + count
            else:
                report.kept_anonymous[link.model._meta.label] = (
                    report.kept_anonymous.get(link.model._meta.label, 0) + count
                )
        sessions = sessions_of(user)
        report.sessions = len(sessions)
        if dry_run:
            return report
        for link in links():
            if link.how == "email":
                anonymise_mentions(link, user, unconfirmed=unconfirmed)
            elif link.how == "key" and link.field.remote_field.on_delete not in {
                models.CASCADE,
                models.SET_NULL,
            }:
                # PROTECT or DO_NOTHING would stop or break the deletion: detach the row first.
                link.rows(user).update(**{link.field.name: None})
        Session.objects.filter(pk__in=[session.pk for session in sessions]).delete()
        user.delete()
    return report


def anonymise_mentions(link: Link, user, *, unconfirmed: bool = False) -> None:
    """Replace the address (and the name beside it) in rows that name the person by e-mail."""
    names = [each.name for each in link.model._meta.concrete_fields if each.name in NAME_FIELDS]
    for row in link.rows(user, unconfirmed=unconfirmed):
        setattr(row, link.field.name, ERASED_EMAIL if not link.field.blank else "")
        for name in names:
            setattr(row, name, ERASED_NAME)
        row.save(update_fields=[link.field.name, *names])


def find_person(email: str):
    """The person with this e-mail address, ignoring case, or None."""
    return get_user_model()._default_manager.filter(Q(email__iexact=email.strip())).first()
