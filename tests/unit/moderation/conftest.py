"""Shared by the content-engine tests: the shipped engine, presets, and IDs that check out."""

from __future__ import annotations

from qunguan.moderation import ContentEngine, Verdict, default_engine
from qunguan.policy.document import Policy
from qunguan.policy.presets import load_preset

ENGINE: ContentEngine = default_engine()


def check(text: str, preset: str = "s2", engine: ContentEngine = ENGINE) -> Verdict:
    policy = load_preset(preset)
    return engine.check(text, policy, policy.settings)


def preset(preset_id: str) -> Policy:
    return load_preset(preset_id)


def resident_id(first17: str) -> str:
    """A resident ID with its ISO 7064 MOD 11-2 check character."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def luhn(prefix: str) -> str:
    """``prefix`` with the Luhn check digit appended."""
    for check_digit in "0123456789":
        digits = prefix + check_digit
        total = 0
        for i, ch in enumerate(reversed(digits)):
            d = int(ch) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return digits
    raise AssertionError("unreachable")
