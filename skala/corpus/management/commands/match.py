import json
import sys

from django.core.management.base import BaseCommand, CommandError

from skala.corpus.answers import MatchInputError, Problem, answer_cpv, answer_similar, check_top, parse_items


class Command(BaseCommand):
    help = "Match JSON Lines texts: 'cpv' suggests CPV codes, 'similar' finds needs and notices."

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["cpv", "similar"])
        parser.add_argument(
            "--input", required=True, help='JSON Lines, one {"id": ..., "text": ...} a line; - for stdin.'
        )
        parser.add_argument(
            "--output", default="-", help="Where to write the answers as JSON Lines; - for stdout."
        )
        parser.add_argument("--top", type=int, default=10, help="How many codes or matches for each text.")

    def handle(self, *args, what: str, input: str, output: str, top: int, **options):
        try:
            check_top(top)
            items = parse_items(self.read(input))
        except MatchInputError as error:
            raise CommandError(f"{input}: {error}") from None
        answer = answer_cpv if what == "cpv" else answer_similar
        answers = answer(items, top)
        lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in answers)
        if output == "-":
            self.stdout.write(lines, ending="")
        else:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(lines)
            self.stderr.write(f"{len(answers)} answers written to {output}")

    def read(self, path: str) -> list:
        """Every line parsed; a line that is not JSON is reported with its number."""
        handle = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
        rows, problems = [], []
        with handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as error:
                    problems.append(Problem(number, f"not JSON ({error.msg})"))
        if problems:
            raise MatchInputError(problems)
        return rows
