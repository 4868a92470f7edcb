"""What a verdict says to people: members read the category and the article it enforces;
the security admin also reads what matched. The words come from the message catalogs
(``content.*``); the caller passes its ``translate`` so this layer stays pure."""

from __future__ import annotations

from typing import Any, Literal, Protocol

from qunguan.moderation.verdict import Verdict
from qunguan.policy.document import Policy
from qunguan.policy.explain import cite


class Translate(Protocol):
    def __call__(self, key: str, /, **params: Any) -> str: ...


def explain(
    verdict: Verdict,
    policy: Policy,
    translate: Translate,
    audience: Literal["member", "admin"] = "member",
) -> str:
    """One paragraph: what happens to the message, why, and the articles it enforces."""
    if verdict.passed and audience == "member":
        return ""
    categories = "、".join(translate(f"content.category.{c}") for c in verdict.categories)
    lines = [translate(f"content.verdict.{verdict.action.value}", categories=categories)]
    quotes = [c.quote for cid in verdict.clause_ids if (c := cite(policy, cid)) is not None]
    lines.extend(dict.fromkeys(quotes))  # two clauses of one article quote it once
    if audience == "admin":
        lines.extend(
            translate(
                "content.matched",
                text=s.text,
                category=translate(f"content.category.{s.category}"),
                rule=s.rule,
                start=s.start,
                end=s.end,
            )
            for s in verdict.spans
        )
    return "\n".join(lines)
