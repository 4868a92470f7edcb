"""The current time, from a clock that can be handed in.

Services read the time from their unit of work (``uow.now()``), which reads the clock its
``Database`` was made with: the system clock when serving, a ``ManualClock`` in a test that
needs a mute to lapse or a deadline to pass — no test sleeps or patches a module for the
time. Times are naive UTC throughout (the database stores them so).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Now, in UTC, without a zone."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC).replace(tzinfo=None)


class ManualClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start if start is not None else SystemClock().now()

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, at: datetime) -> None:
        self._now = at


SYSTEM_CLOCK = SystemClock()


def utcnow() -> datetime:
    """The system's time, for the edges that have no unit of work (start-up, banners)."""
    return SYSTEM_CLOCK.now()
