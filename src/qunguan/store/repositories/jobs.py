"""Job runs: one row per job and period, so two processes never run the same period."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qunguan.store.models import JobRun


class JobRunRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def claim_run(self, job: str, period: str, at: datetime) -> JobRun | None:
        """Insert the run's row; None if another process has claimed this period already."""
        run = JobRun(job=job, period=period, started_at=at)
        try:
            with self.session.begin_nested():
                self.session.add(run)
                self.session.flush()
        except IntegrityError:
            return None
        return run
