"""The quotation every refusal, warning and hold carries: the article it enforces."""

from __future__ import annotations

from dataclasses import dataclass

from qunguan.policy.document import Policy
from qunguan.policy.render import article_of, build


@dataclass(frozen=True)
class Citation:
    clause_id: str
    article: str  # 第五条
    text: str
    quote: str  # 根据《…》第五条：…


def cite(policy: Policy, clause_id: str) -> Citation | None:
    """The article of ``policy`` that carries ``clause_id``; None if the policy lacks it."""
    if clause_id not in policy.clause_map:
        return None
    article = article_of(build(policy), clause_id)
    quote = f"根据《{policy.title}》{article.label}：{article.text}"
    return Citation(clause_id, article.label, article.text, quote)
