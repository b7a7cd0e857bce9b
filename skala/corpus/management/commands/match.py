import json
import sys
from pathlib import Path

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
        if output != "-":
            check_writable(Path(output))  # before the matching, which may take minutes
        try:
            check_top(top)
            numbers, rows, problems = self.read(input)
            try:
                items = parse_items(rows, lines=numbers)
            except MatchInputError as error:
                problems += error.problems
            if problems:
                # Every bad line at once, in the file's order: lines that are not JSON and items that are not
                # usable alike.
                raise MatchInputError(sorted(problems, key=lambda problem: problem.line or 0))
        except MatchInputError as error:
            if len(error.problems) > error.SHOWN:
                self.stderr.write("\n".join(f"{input}: {problem}" for problem in error.problems))
                raise CommandError(
                    f"{input}: {len(error.problems)} problems, each listed above; nothing was matched."
                ) from None
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

    def read(self, path: str) -> tuple[list[int], list, list[Problem]]:
        """Every non-blank line parsed, with its number, and a problem for each line that is not JSON (or
        not UTF-8)."""
        numbers, rows, problems = [], [], []
        for number, raw in enumerate(self.lines(path), start=1):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8") if isinstance(raw, bytes) else raw
            except UnicodeDecodeError as error:
                problems.append(Problem(number, f"not UTF-8 text (column {error.start + 1})"))
                continue
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
                numbers.append(number)
            except json.JSONDecodeError as error:
                problems.append(Problem(number, f"not JSON ({error.msg})"))
            except RecursionError:
                problems.append(Problem(number, "nested too deeply"))
        return numbers, rows, problems

    def lines(self, path: str):
        if path == "-":
            # As bytes, so that standard input is read as a file is: a byte order mark, or text that is
            # not UTF-8, is handled the same way.
            yield from getattr(sys.stdin, "buffer", sys.stdin)  # a text stream when called from Python
            return
        try:
            with open(path, "rb") as handle:
                yield from handle
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise CommandError(f"{path}: is a folder; give a JSON Lines file") from None
        except PermissionError:
            raise CommandError(f"{path}: may not be read") from None


def check_writable(path: Path) -> None:
    if path.is_dir():
        raise CommandError(f"{path}: is a folder; give the file to write the answers to")
    if not path.parent.is_dir():
        raise CommandError(f"{path}: the folder {path.parent} does not exist")
