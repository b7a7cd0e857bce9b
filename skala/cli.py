"""The `skala` command: Skala's own management commands under friendlier, hyphenated names."""

import os
import sys

# Django's own commands that people running Skala need; Skala's commands are found by themselves.
DJANGO_COMMANDS = [
    "migrate",
    "check",
    "shell",
    "dbshell",
    "collectstatic",
    "compilemessages",
    "showmigrations",
]


def skala_commands() -> dict[str, str]:
    """Map each subcommand's name (load-reference) to its Django command (load_reference)."""
    from django.core.management import get_commands

    commands = {
        name.replace("_", "-"): name
        for name, app in get_commands().items()
        if app == "skala" or app.startswith("skala.")
    }
    commands.update({name: name for name in DJANGO_COMMANDS})
    return dict(sorted(commands.items()))


def usage(commands: dict[str, str]) -> str:
    """The help text: every subcommand with the first line of its own help."""
    from django.core.management import get_commands, load_command_class

    apps = get_commands()
    lines = [
        "usage: skala <command> [options]",
        "",
        "Skala: innovative public procurement, from pilot to large scale.",
        "Run 'skala <command> --help' for a command's options.",
        "",
        "commands:",
    ]
    for name, django_name in commands.items():
        text = load_command_class(apps[django_name], django_name).help.strip().splitlines()
        lines.append(f"  {name:<18} {text[0] if text else ''}")
    return "\n".join(lines)


def command_language(environ) -> str | None:
    """The interface language the locale asks for (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), if Skala has it.

    As GNU tools do: `LANG=sv_SE.UTF-8 skala ...` answers in Swedish; a locale Skala has no
    translation for (C, POSIX, de_DE) leaves the site's default language (settings.LANGUAGE_CODE).
    """
    from django.conf import settings

    available = {code for code, _name in settings.LANGUAGES}
    wanted = [*environ.get("LANGUAGE", "").split(":")]
    wanted += [environ.get(name, "") for name in ("LC_ALL", "LC_MESSAGES", "LANG")]
    for value in wanted:
        code = value.split(".")[0].split("@")[0].split("_")[0].lower()
        code = {"no": "nb", "nn": "nb"}.get(code, code)
        if code in available:
            return code
    return None


def main(argv: list[str] | None = None) -> None:
    """Run a subcommand, or list them all."""
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skala.settings")
    import django

    django.setup()
    commands = skala_commands()
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(usage(commands))
        return
    name = argv[0]
    if name not in commands:
        print(f"skala: unknown command {name!r}.\n\n{usage(commands)}", file=sys.stderr)
        sys.exit(2)
    from django.core.management import execute_from_command_line
    from django.utils import translation

    language = command_language(os.environ)
    if language:
        translation.activate(language)
    execute_from_command_line([f"skala {name}", commands[name], *argv[1:]])


if __name__ == "__main__":
    main()
