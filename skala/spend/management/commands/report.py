"""`skala report supplier-base --org ORG`: the supplier-base report, as JSON or as a readable summary."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from skala.spend.cli import organisation_for
from skala.spend.report import openings, supplier_base


def percent(value: float) -> str:
    return f"{value * 100:.1f} %"


class Command(BaseCommand):
    help = "Reports on spend: supplier-base (suppliers, long tail, concentration, SMEs, offices), openings."

    def add_arguments(self, parser):
        kinds = parser.add_subparsers(dest="what", required=True, metavar="{supplier-base,openings}")
        base = kinds.add_parser(
            "supplier-base",
            help="The supplier base of an organisation and its units in a year.",
        )
        found = kinds.add_parser(
            "openings",
            help="Categories bought from many small suppliers, where a startup could enter: ranked.",
        )
        for sub in (base, found):
            sub.add_argument("--org", required=True, help="The organisation: its id or organisation number.")
            sub.add_argument("--year", type=int, help="The year; by default the latest year with spend.")
            sub.add_argument(
                "--threshold",
                type=int,
                help="The long tail: suppliers paid less than this in the year (SKALA_LONG_TAIL_THRESHOLD).",
            )
            sub.add_argument("--json", action="store_true", help="Print JSON instead of a summary.")
        found.add_argument(
            "--public", action="store_true", help="Show only what the organisation lets the public see."
        )

    def handle(self, *args, what: str, org: str, year: int | None, threshold: int | None, **options):
        organisation = organisation_for(org)
        if threshold is not None and threshold < 0:
            raise CommandError("--threshold must be zero or more.")
        if year is not None and not 1900 <= year <= 2200:
            raise CommandError("--year must be between 1900 and 2200.")
        if what == "openings":
            data = openings(organisation, member=not options["public"], year=year, threshold=threshold)
            self.stdout.write(
                json.dumps(data, ensure_ascii=False, indent=2)
                if options["json"]
                else self.openings_text(data)
            )
            return
        data = supplier_base(organisation, year, threshold)
        self.stdout.write(
            json.dumps(data, ensure_ascii=False, indent=2) if options["json"] else self.summary(data)
        )

    def summary(self, data: dict) -> str:
        """The report as a person reads it in a terminal."""
        currency = data["currency"]
        tail = data["long_tail"]
        lines = [
            _("Supplier base of %(name)s, %(year)s") % {"name": data["org_name"], "year": data["year"]},
            _("  Suppliers: %(suppliers)s; spend: %(currency)s %(spend)s in %(lines)s lines")
            % {
                "suppliers": f"{data['suppliers']:,}",
                "currency": currency,
                "spend": f"{data['spend_total']:,.2f}",
                "lines": f"{data['lines']:,}",
            },
            _(
                "  Long tail (under %(currency)s %(threshold)s): %(count)s suppliers (%(share)s), "
                "%(spend)s of the spend"
            )
            % {
                "currency": currency,
                "threshold": f"{tail['threshold']:,}",
                "count": f"{tail['suppliers']:,}",
                "share": percent(tail["share_suppliers"]),
                "spend": percent(tail["share_spend"]),
            },
            _("  Concentration: top 10 %(top10)s, top 1 %% (%(count)s suppliers) %(top1)s, HHI %(hhi)s")
            % {
                "top10": percent(data["top10_share"]),
                "count": data["top1pct_suppliers"],
                "top1": percent(data["top1pct_share"]),
                "hhi": f"{data['hhi']:.4f}",
            },
            _("  New suppliers: %(count)s (%(share)s), %(spend)s of the spend")
            % {
                "count": f"{data['new_suppliers']['suppliers']:,}",
                "share": percent(data["new_suppliers"]["share_suppliers"]),
                "spend": percent(data["new_suppliers"]["share_spend"]),
            },
            _(
                "  SMEs: %(sme)s of suppliers, %(sme_spend)s of spend; "
                "startups: %(startups)s, %(startup_spend)s"
            )
            % {
                "sme": percent(data["sme"]["share_suppliers"]),
                "sme_spend": percent(data["sme"]["share_spend"]),
                "startups": percent(data["startups"]["share_suppliers"]),
                "startup_spend": percent(data["startups"]["share_spend"]),
            },
            _("  Awards in the year: %(count)s (%(currency)s %(value)s)")
            % {
                "count": data["awards"]["awards"],
                "currency": currency,
                "value": f"{data['awards']['value']:,.2f}",
            },
            _("  By office:"),
        ]
        for row in data["by_office"]:
            lines.append(
                f"    {row['office'][:40]:<40} {row['suppliers']:>8,} {currency} {row['spend_total']:>18,.2f}"
            )
        return "\n".join(lines)

    def openings_text(self, data: dict) -> str:
        lines = [
            _("Openings for small suppliers at %(name)s, %(year)s")
            % {"name": data["org_name"], "year": data["year"]}
        ]
        for row in data["openings"]:
            place = f"{row['category']} ({row['office']})" if "office" in row else row["category"]
            lines.append(f"  {row['rank']:>3}. {place}: {'; '.join(row['why'])}")
        if not data["openings"]:
            lines.append(_("  None."))
        return "\n".join(lines)
