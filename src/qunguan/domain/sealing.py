"""Sealing a reporter's identity: authenticated encryption from HMAC-SHA256 alone.

The keystream is HMAC(key_enc, nonce || counter) and the tag HMAC(key_mac, nonce || data)
(encrypt-then-MAC), so no third-party cipher is needed for a few bytes. The key lives
outside the database (``QUNGUAN_REPORT_KEY`` or a key file): a copy of the database alone
reveals nobody. ``tag`` gives a reporter a stable lookup value for their own reports.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

NONCE_BYTES = 16
TAG_BYTES = 16


class SealBroken(Exception):
    """The sealed value was altered or sealed under another key."""


def _sub(key: bytes, label: bytes) -> bytes:
    return hmac.new(key, label, hashlib.sha256).digest()


def _stream(key: bytes, nonce: bytes, length: int) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < length:
        out += hmac.new(key, nonce + counter.to_bytes(4, "big"), hashlib.sha256).digest()
        counter += 1
    return bytes(out[:length])


def seal(key: bytes, plain: str) -> str:
    data = plain.encode()
    nonce = secrets.token_bytes(NONCE_BYTES)
    cipher = bytes(
        a ^ b for a, b in zip(data, _stream(_sub(key, b"enc"), nonce, len(data)), strict=True)
    )
    mac = hmac.new(_sub(key, b"mac"), nonce + cipher, hashlib.sha256).digest()[:TAG_BYTES]
    return base64.urlsafe_b64encode(nonce + cipher + mac).decode()


def unseal(key: bytes, sealed: str) -> str:
    raw = base64.urlsafe_b64decode(sealed.encode())
    nonce, cipher, mac = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    expected = hmac.new(_sub(key, b"mac"), nonce + cipher, hashlib.sha256).digest()[:TAG_BYTES]
    if not hmac.compare_digest(mac, expected):
        raise SealBroken
    stream = _stream(_sub(key, b"enc"), nonce, len(cipher))
    return bytes(a ^ b for a, b in zip(cipher, stream, strict=True)).decode()


def tag(key: bytes, value: str) -> str:
    """A keyed, one-way lookup value: equal for equal input, useless without the key."""
    return hmac.new(_sub(key, b"tag"), value.encode(), hashlib.sha256).hexdigest()


def receipt() -> tuple[str, str]:
    """An unguessable receipt token and the hash that is stored in its place."""
    token = secrets.token_urlsafe(24)
    return token, receipt_hash(token)


def receipt_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()
