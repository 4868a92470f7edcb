"""Message catalogs: every user-facing sentence lives in ``zh.toml`` or ``en.toml``.

Keys are dotted (``error.directory.row_invalid``); values are ``str.format`` templates.
Chinese is the default; a key missing from English falls back to Chinese, and a key missing
from both shows itself, so a gap is visible instead of silent.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

LOCALES = ("zh", "en")
DEFAULT_LOCALE = "zh"
_DIR = Path(__file__).parent


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(full, value, out)
        else:
            out[full] = str(value)


@cache
def catalog(locale: str) -> dict[str, str]:
    with (_DIR / f"{locale}.toml").open("rb") as fh:
        data = tomllib.load(fh)
    out: dict[str, str] = {}
    _flatten("", data, out)
    return out


def normalise_locale(value: str | None) -> str:
    """Pick a supported locale from a cookie value or an Accept-Language header."""
    if not value:
        return DEFAULT_LOCALE
    for part in value.split(","):
        tag = part.split(";")[0].strip().lower()
        for locale in LOCALES:
            if tag == locale or tag.startswith(locale + "-"):
                return locale
    return DEFAULT_LOCALE


def has(key: str, locale: str = DEFAULT_LOCALE) -> bool:
    return key in catalog(locale) or key in catalog(DEFAULT_LOCALE)


def translate(key: str, locale: str = DEFAULT_LOCALE, **params: Any) -> str:
    template = catalog(locale).get(key) or catalog(DEFAULT_LOCALE).get(key)
    if template is None:
        return key
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


class Translator:
    """Bound to one locale, for templates: ``t("nav.directory")``."""

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def __call__(self, key: str, **params: Any) -> str:
        return translate(key, self.locale, **params)
