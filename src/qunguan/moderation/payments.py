"""Red envelopes, transfers and gift vouchers asked for or offered in words (篇五 五).

The links of payment services are found in ``links``; these phrases go into the automaton,
so their spaced, traditional and pinyin forms are caught too. A notice that forbids red
envelopes is not a red envelope: its usual wordings are allow phrases.
"""

from __future__ import annotations

from qunguan.moderation.links import GIFT_VOUCHER, RED_ENVELOPE, TRANSFER
from qunguan.moderation.terms import TermEntry

_FORBIDDING = (
    "收发红包", "禁止发红包", "严禁发红包", "不得发红包", "不准发红包", "不要发红包", "拒收红包",
    "禁发红包", "红包禁令",
)  # fmt: skip

PAYMENT_TERMS = (
    TermEntry("红包", RED_ENVELOPE, pinyin=True, allow=_FORBIDDING),
    TermEntry("lucky money", RED_ENVELOPE),
    *(TermEntry(t, TRANSFER) for t in ("收款码", "付款码", "转账给我", "扫码转账", "微信转账",
                                       "支付宝转账", "扫码付款")),
    *(TermEntry(t, GIFT_VOUCHER) for t in ("电子礼券", "礼券", "礼品卡", "购物卡", "代金券",
                                           "兑换码", "卡密", "提货券", "充值卡", "gift card",
                                           "giftcard", "e-gift")),
)  # fmt: skip
