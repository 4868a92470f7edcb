"""``qunguan content check``: try the content engine on messages, one per line of stdin.

Security admins try a list before loading it; outside evaluations run the engine with it.
Nothing here touches the database: the policy is a preset's.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from qunguan.domain.errors import DomainError
from qunguan.moderation import ContentEngine, Verdict, default_engine, load_directory
from qunguan.policy.presets import load_preset

content_app = typer.Typer(help="The content engine.", no_args_is_help=True)


def verdict_json(verdict: Verdict) -> dict[str, object]:
    return {
        "action": verdict.action.value,
        "categories": list(verdict.categories),
        "clauses": list(verdict.clause_ids),
        "spans": [[s.start, s.end, s.text] for s in verdict.spans],
    }


@content_app.command("check")
def check(
    preset: Annotated[str, typer.Option(help="The regulation to decide by (s1 … s7).")] = "s2",
    lists: Annotated[
        Path | None,
        typer.Option(help="A folder of CATEGORY.txt term lists instead of the shipped ones."),
    ] = None,
) -> None:
    """Read one message per line; write one JSON verdict per line (offsets into the line)."""
    from qunguan.cli.main import _fail  # the same error wording as every command

    try:
        policy = load_preset(preset)
        engine = ContentEngine.from_lists(load_directory(lists)) if lists else default_engine()
    except DomainError as exc:
        raise _fail(exc) from None
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        verdict = engine.check(text, policy, policy.settings)
        sys.stdout.write(json.dumps(verdict_json(verdict), ensure_ascii=False) + "\n")
    sys.stdout.flush()
