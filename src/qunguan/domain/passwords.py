"""Password rules: long enough, not the person's own name or mobile, not a common one."""

from __future__ import annotations

from qunguan.domain.errors import DomainError, ErrorDetail

MIN_LENGTH = 10

# A short list of the passwords most often tried against Chinese and global services.
_COMMON = frozenset(
    {
        "123456789a",
        "1234567890",
        "qwertyuiop",
        "password123",
        "password1234",
        "a123456789",
        "woaini1314",
        "1qaz2wsx3edc",
        "qwerty123456",
        "admin12345",
        "administrator",
        "p@ssw0rd123",
        "abc1234567",
        "iloveyou123",
        "zxcvbnm123",
        "1q2w3e4r5t",
        "aaaaaaaaaa",
        "0000000000",
        "1111111111",
        "88888888888",
        "5201314520",
        "qunguan123",
        "changeme123",
        "welcome123",
        "passw0rd!!",
    }
)


def check_password(password: str, *, username: str = "", name: str = "", mobile: str = "") -> None:
    problems: list[ErrorDetail] = []
    if len(password) < MIN_LENGTH:
        problems.append(
            ErrorDetail("password.too_short", field="password", params={"min": MIN_LENGTH})
        )
    lowered = password.lower()
    if lowered in _COMMON or len(set(password)) <= 2:
        problems.append(ErrorDetail("password.too_common", field="password"))
    for own in (username, name, mobile):
        if own and len(own) >= 2 and own.lower() in lowered:
            problems.append(ErrorDetail("password.contains_identity", field="password"))
            break
    if problems:
        raise DomainError("password.rejected", details=problems)
