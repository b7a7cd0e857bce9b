import getpass
import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from skala.orgs.models import Membership, Organisation, Role, User


class Command(BaseCommand):
    help = "Create a person, or update one, optionally with a role in an organisation."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="")
        parser.add_argument(
            "--password-stdin", action="store_true", help="Read the password from standard input."
        )
        parser.add_argument(
            "--organisation", help="The organisation's id or organisation number, for a membership."
        )
        parser.add_argument("--role", choices=Role.values, default=Role.VIEWER)
        parser.add_argument("--facilitator", action="store_true", help="Give the site-wide facilitator role.")
        parser.add_argument(
            "--staff", action="store_true", help="Make the person staff with every permission."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check everything; save nothing.")

    def handle(
        self,
        *args,
        email: str,
        name: str,
        password_stdin: bool,
        organisation: str | None,
        role: str,
        facilitator: bool,
        staff: bool,
        dry_run: bool,
        **options,
    ):
        email = email.strip().lower()
        password = self.read_password(password_stdin)
        target = self.find_organisation(organisation) if organisation else None
        with transaction.atomic():
            user = User.objects.filter(email=email).first()
            created = user is None
            if created:
                user = User(email=email)
            user.name = name or user.name
            user.is_facilitator = user.is_facilitator or facilitator
            user.is_staff = user.is_staff or staff
            user.is_superuser = user.is_superuser or staff
            try:
                user.full_clean(exclude=["password"])
                if password:
                    validate_password(password, user)
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from None
            if password:
                user.set_password(password)
            elif created:
                user.set_unusable_password()
            user.save()
            if target is not None:
                if user.is_staff:
                    # Staff read routing, not content: a role would open proposals and dialogue input.
                    raise CommandError(f"{email} is staff; staff accounts hold no roles in organisations.")
                Membership.objects.update_or_create(user=user, organisation=target, defaults={"role": role})
            if dry_run:
                transaction.set_rollback(True)
        verb = (
            "Would create"
            if dry_run and created
            else "Would update"
            if dry_run
            else "Created"
            if created
            else "Updated"
        )
        where = f", {role} in {target}" if target else ""
        self.stdout.write(f"{verb} {email}{where}.")
        if created and not password:
            self.stdout.write(
                "No password was given: the person sets one through 'Forgotten your password?'."
            )

    def read_password(self, from_stdin: bool) -> str:
        if from_stdin:
            return sys.stdin.readline().rstrip("\n")
        if sys.stdin.isatty():
            first = getpass.getpass("Password (empty for none): ")
            if first and first != getpass.getpass("Password again: "):
                raise CommandError("The passwords differ.")
            return first
        return ""

    def find_organisation(self, key: str) -> Organisation:
        compact = key.replace(" ", "")
        found = Organisation.objects.filter(orgnr=compact).first()
        if found is None and compact.isdigit() and len(compact) < 9:
            found = Organisation.objects.filter(pk=int(compact)).first()
        if found is None:
            raise CommandError(f"--organisation {key!r}: no organisation has that id or organisation number.")
        return found
