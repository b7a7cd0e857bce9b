"""`skala personal-data export|erase EMAIL`: a person's data handed over, or erased."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from skala.ops.files import WriteError, atomic_file
from skala.privacy.personal import erase, export, find_person


class Command(BaseCommand):
    help = (
        "A person's data: 'export EMAIL' writes everything Skala holds about them; 'erase EMAIL' erases them."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{export,erase}")
        out = actions.add_parser("export", help="Everything Skala holds about the person, as JSON.")
        out.add_argument("email")
        out.add_argument(
            "--output", type=Path, default=None, help="The file to write; '-' or none for stdout."
        )
        gone = actions.add_parser("erase", help="Erase the person; their dialogue input stays, anonymised.")
        gone.add_argument("email")
        gone.add_argument(
            "--dry-run", action="store_true", help="Count what would be erased; change nothing."
        )
        gone.add_argument(
            "--include-unconfirmed-mentions",
            action="store_true",
            help="Also anonymise rows naming the address though the person never confirmed it; only after "
            "checking the person's identity some other way.",
        )

    def handle(self, *args, action: str, email: str, **options):
        user = find_person(email)
        if user is None:
            raise CommandError(f"No one has the e-mail address {email!r}.")
        if action == "export":
            self.export(user, options["output"])
        else:
            self.erase(user, options["dry_run"], options["include_unconfirmed_mentions"])

    def export(self, user, output: Path | None) -> None:
        text = json.dumps(export(user), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2) + "\n"
        if output is None or str(output) == "-":
            sys.stdout.write(text)
            return
        try:
            with atomic_file(output) as handle:
                handle.write(text)
        except WriteError as error:
            raise CommandError(str(error)) from None
        self.stderr.write(f"Wrote the data of {user.email} to {output}.")

    def erase(self, user, dry_run: bool, unconfirmed: bool = False) -> None:
        report = erase(user, dry_run=dry_run, unconfirmed=unconfirmed)
        verb = "Would erase" if dry_run else "Erased"
        self.stdout.write(f"{verb} {report.email} and {report.sessions} signed-in sessions.")
        for title, counts in (
            ("deleted", report.deleted),
            ("kept, attributed to no one", report.kept_anonymous),
            ("name and address replaced", report.anonymised),
        ):
            for label, count in sorted(counts.items()):
                self.stdout.write(f"  {label}: {count} {title}")
        for label, count in sorted(report.left_unconfirmed.items()):
            self.stdout.write(
                f"  {label}: {count} naming the address left as they are (the address was never confirmed;"
                " --include-unconfirmed-mentions after checking the person's identity)"
            )
