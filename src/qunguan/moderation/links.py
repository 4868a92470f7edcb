"""Links and domains, written plainly, in full-width forms or spelled out (``www点example点com``,
``example dot com``), and the payment, red-envelope and gift-voucher links among them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

LINK = "link"
RED_ENVELOPE = "red-envelope"
TRANSFER = "transfer"
GIFT_VOUCHER = "gift-voucher"

_TLDS = sorted(
    ("com", "cn", "net", "org", "gov", "edu", "info", "biz", "top", "xyz", "io", "me", "cc",
     "tv", "vip", "shop", "site", "online", "club", "app", "ltd", "wang", "ink", "link", "live",
     "pro", "co", "hk", "tw", "mo", "us", "uk", "jp", "kr", "ru", "de", "fr", "store", "tech",
     "fun", "icu", "cloud", "work", "asia", "mobi", "name"),
    key=len,
    reverse=True,
)  # fmt: skip
_DOT = (
    r"(?:\s*(?:\.|。|．|｡|点|點)\s*"
    r"|\s*[(\[{（【]\s*(?:\.|点|dot)\s*[)\]}）】]\s*"
    r"|\s+dot\s+)"
)
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_LINK = re.compile(
    r"(?P<url>(?:https?|ftp|wxp|weixin|alipays?)\s*[:：]\s*//\s*[^\s<>\"'，。；！？、）】》]+)"
    # The look-behind comes after the first character, so the engine can skip ahead to one.
    rf"|(?P<domain>[a-z0-9](?<![a-z0-9@.-].)(?:[a-z0-9-]{{0,61}}[a-z0-9])?{_DOT}"
    rf"(?:{_LABEL}{_DOT})*(?:{'|'.join(_TLDS)})(?![a-z0-9]))"
)
_SPELLED_DOT = re.compile(_DOT)
# A letter or digit followed by a dot (of any kind) or by ``://``: no link without one.
# A digit before 点 or 。 is a time or a sentence's end far more often than a domain.
_HINT = re.compile(r"[a-z0-9](?:[.．｡]|\s*[(\[{（【]|\s*[:：]\s*//)|[a-z](?:[。点點]|\s+dot\s)")

# What a link needs before the link pattern can match (see ``personal_data.PRECONDITIONS``).
PRECONDITION = _HINT.pattern
PRECONDITION_STARTS = "a-z0-9"

_PAYMENT_SCHEMES = {"wxp", "weixin", "alipay", "alipays"}
_PAYMENT_HOSTS = ("pay.weixin.qq.com", "wx.tenpay.com", "qr.alipay.com", "ds.alipay.com",
                  "render.alipay.com", "mclient.alipay.com", "qr.95516.com")  # fmt: skip
_RED_ENVELOPE_WORDS = ("hongbao", "redpack", "redpacket", "luckymoney", "lucky-money")
_GIFT_WORDS = ("giftcard", "gift-card", "gift_card", "egift", "e-gift", "voucher", "lipinka")


@dataclass(frozen=True, slots=True)
class Link:
    start: int
    end: int
    host: str
    kinds: tuple[str, ...]  # LINK, and any of RED_ENVELOPE, TRANSFER, GIFT_VOUCHER


def _host(url: str) -> tuple[str, str]:
    compact = re.sub(r"\s+", "", url).replace("：", ":")
    parts = urlsplit(compact)
    return parts.scheme.lower(), (parts.hostname or "").lower()


def _kinds(scheme: str, host: str, text: str) -> tuple[str, ...]:
    kinds = [LINK]
    if scheme in _PAYMENT_SCHEMES or any(_within(host, h) for h in _PAYMENT_HOSTS):
        kinds.append(TRANSFER)
    if any(w in text for w in _RED_ENVELOPE_WORDS):
        kinds.append(RED_ENVELOPE)
    if any(w in text for w in _GIFT_WORDS):
        kinds.append(GIFT_VOUCHER)
    return tuple(kinds)


def _within(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def trusted(host: str, domains: tuple[str, ...]) -> bool:
    """``www.mof.gov.cn`` is within ``gov.cn``; ``gov.cn.example.com`` is not."""
    host = host.rstrip(".")
    return bool(host) and any(_within(host, d.lower().strip(".")) for d in domains)


def find_links(plain: str) -> list[Link]:
    if not _HINT.search(plain):
        return []
    found = []
    for m in _LINK.finditer(plain):
        text = m.group()
        if m.group("url"):
            scheme, host = _host(text)
        else:
            scheme, host = "", _SPELLED_DOT.sub(".", text)
        found.append(Link(m.start(), m.end(), host, _kinds(scheme, host, text)))
    return found
