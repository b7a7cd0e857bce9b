from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from skala.reference.models import Municipality


class Command(BaseCommand):
    help = "Load the demo organisations, people and (as apps add them) needs and projects; idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Show what would be loaded; save nothing.")

    def handle(self, *args, dry_run: bool, **options):
        if not Municipality.objects.exists():
            raise CommandError("The reference data is missing: run 'skala load-reference' first.")
        with transaction.atomic():
            # Each app that has demo data offers demo.load(say); apps load in INSTALLED_APPS order.
            for config in apps.get_app_configs():
                if not config.name.startswith("skala."):
                    continue
                try:
                    module = import_module(f"{config.name}.demo")
                except ModuleNotFoundError as error:
                    if error.name != f"{config.name}.demo":
                        raise
                    continue
                module.load(self.stdout.write)
            if dry_run:
                transaction.set_rollback(True)
                self.stdout.write("Dry run: nothing was saved.")
