"""`carry completion bash|zsh`: a shell completion script generated from the parser.

eval "$(carry completion bash)"    # in ~/.bashrc
eval "$(carry completion zsh)"     # in ~/.zshrc
"""

from __future__ import annotations

import argparse
import sys

from services.config.modes import available_modes
from services.registry import KINDS

FILE_OPTIONS = ("--config", "--out", "--data", "--record", "--file", "--html")


def add(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Register `carry completion`."""
    comp = sub.add_parser("completion", parents=[common], help="print a shell completion script")
    comp.add_argument("shell", choices=("bash", "zsh"))
    comp.set_defaults(handler=run)


def _words(parser: argparse.ArgumentParser, prefix: str, out: dict[str, list[str]]) -> None:
    actions = parser._actions  # noqa: SLF001 (argparse has no public walk of its parsers)
    words = [s for a in actions for s in a.option_strings if s.startswith("--")]
    for action in actions:
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            for name, child in action.choices.items():
                words.append(name)
                _words(child, f"{prefix} {name}".strip(), out)
    out[prefix] = words


def script(parser: argparse.ArgumentParser) -> str:
    """The bash completion function for `parser` (zsh runs it through bashcompinit)."""
    table: dict[str, list[str]] = {}
    _words(parser, "", table)
    table["modes"] += list(available_modes())
    table["serve"] += sorted(k for k in KINDS if k != "recorder")
    cases = "".join(
        f'    "{path}") words="{" ".join(words)}";;\n' for path, words in sorted(table.items())
    )
    files = "|".join(FILE_OPTIONS)
    return f"""_carry() {{
  local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}" path="" w i words
  case "$prev" in
    --mode) COMPREPLY=($(compgen -W "{" ".join(available_modes())}" -- "$cur")); return;;
    --log-level) COMPREPLY=($(compgen -W "debug info warning error" -- "$cur")); return;;
    {files}) COMPREPLY=($(compgen -f -- "$cur")); return;;
  esac
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="${{COMP_WORDS[i]}}"
    case "$w" in -*) continue;; esac
    case " $(_carry_words "$path") " in *" $w "*) path="${{path:+$path }}$w";; esac
  done
  COMPREPLY=($(compgen -W "$(_carry_words "$path")" -- "$cur"))
}}
_carry_words() {{
  local words=""
  case "$1" in
{cases}  esac
  echo "$words"
}}
complete -o default -F _carry carry
"""


def run(args: argparse.Namespace) -> int:
    """Print the script for the chosen shell."""
    from services.cli.main import parser

    text = script(parser())
    if args.shell == "zsh":
        text = "autoload -U +X bashcompinit && bashcompinit\n" + text
    sys.stdout.write(text)
    return 0
