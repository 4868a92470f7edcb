"""Queries over units, departments and people."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, contains_eager

from qunguan.domain.directory import EmploymentStatus, PeopleQuery, PersonRecord
from qunguan.store.models import Department, DirectoryImport, Person, Unit


def record_of(person: Person) -> PersonRecord:
    """The comparable record of a person loaded with department and unit."""
    return PersonRecord(
        staff_no=person.staff_no,
        name=person.name,
        unit=person.department.unit.name,
        department=person.department.name,
        post=person.post,
        mobile=person.mobile,
        party_member=person.party_member,
        status=EmploymentStatus(person.status),
        status_date=person.status_date,
    )


class DirectoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _people(self) -> Select[Person]:
        return (
            select(Person)
            .join(Person.department)
            .join(Department.unit)
            .options(contains_eager(Person.department).contains_eager(Department.unit))
        )

    def units(self) -> list[Unit]:
        return list(self.session.scalars(select(Unit).order_by(Unit.id)))

    def departments(self) -> list[Department]:
        stmt = (
            select(Department)
            .join(Department.unit)
            .options(contains_eager(Department.unit))
            .order_by(Unit.id, Department.id)
        )
        return list(self.session.scalars(stmt))

    def unit_by_name(self, name: str) -> Unit | None:
        return self.session.scalar(select(Unit).where(Unit.name == name))

    def add_unit(self, name: str, parent: Unit | None = None) -> Unit:
        unit = Unit(name=name, parent_id=parent.id if parent else None)
        self.session.add(unit)
        self.session.flush()
        return unit

    def add_department(self, unit: Unit, name: str) -> Department:
        dept = Department(unit_id=unit.id, name=name)
        self.session.add(dept)
        self.session.flush()
        return dept

    def all_people(self) -> list[Person]:
        return list(self.session.scalars(self._people().order_by(Person.staff_no)))

    def active_people_in(self, department_ids: Sequence[int]) -> list[Person]:
        """The active people of some departments (to find who heads them)."""
        if not department_ids:
            return []
        stmt = self._people().where(
            Person.department_id.in_(department_ids), Person.status == "active"
        )
        return list(self.session.scalars(stmt.order_by(Person.staff_no)))

    def person(self, person_id: int) -> Person | None:
        return self.session.scalar(self._people().where(Person.id == person_id))

    def people_by_ids(self, ids: Sequence[int]) -> dict[int, Person]:
        """Many people in one query (a group's roster), by id."""
        if not ids:
            return {}
        return {p.id: p for p in self.session.scalars(self._people().where(Person.id.in_(ids)))}

    def person_by_staff_no(self, staff_no: str) -> Person | None:
        return self.session.scalar(self._people().where(Person.staff_no == staff_no))

    def add_person(self, person: Person) -> Person:
        self.session.add(person)
        self.session.flush()
        return person

    def search(self, query: PeopleQuery) -> tuple[Sequence[Person], int]:
        stmt = self._people()
        if query.text:
            like = f"%{query.text}%"
            stmt = stmt.where(
                or_(
                    Person.name.like(like),
                    Person.staff_no.like(like),
                    Person.post.like(like),
                    Person.mobile.like(like),
                    Department.name.like(like),
                )
            )
        if query.unit_id is not None:
            stmt = stmt.where(Department.unit_id == query.unit_id)
        if query.department_id is not None:
            stmt = stmt.where(Person.department_id == query.department_id)
        if query.status is not None:
            stmt = stmt.where(Person.status == query.status.value)
        if query.party_member is not None:
            stmt = stmt.where(Person.party_member == query.party_member)
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = self.session.scalars(
            stmt.order_by(Unit.id, Department.id, Person.staff_no)
            .limit(query.limit)
            .offset(query.offset)
        ).all()
        return rows, total

    def add_import(self, record: DirectoryImport) -> DirectoryImport:
        self.session.add(record)
        self.session.flush()
        return record

    def count_people(self) -> int:
        return self.session.scalar(select(func.count(Person.id))) or 0
