"""Benchmark: notices against the real server. Prints JSON.

    .venv/bin/python bench/notices.py [--members 10000] [--listeners 400] [--acks 4000]

On a fresh SQLite database (WAL, synchronous=FULL) in a temporary folder, a unit-wide group
of ``--members`` people (the set-up of ``bench/messaging.py``), and ``qunguan serve`` on
127.0.0.1, it measures:
- publishing a notice to that group: the API's answer, and publish -> received by each of
  ``--listeners`` members connected over WebSocket;
- the ledger API and page with every member acknowledged (p50/p95);
- the acknowledgement endpoint's throughput: ``--acks`` acknowledgements from 32 concurrent
  clients over several notices.
Every loop is bounded in count and time, and talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
import websockets
from messaging import PASSWORD, Http, ServerProcess, pct, seed
from sqlalchemy import insert, select

from qunguan.domain.actor import Actor
from qunguan.domain.clock import utcnow
from qunguan.services.accounts import management as accounts
from qunguan.services.uow import Database
from qunguan.store import migrate
from qunguan.store.db import make_engine
from qunguan.store.models import Membership, NoticeAcknowledgement, Person

ACTOR = Actor.system("bench")
CONCURRENCY = 32


def member_accounts(db: Database, group_id: int, n: int) -> list[str]:
    """Accounts for the first n members of the big group (the set-up gives it one)."""
    with db.reading() as uow:
        people = list(
            uow.session.execute(
                select(Person.staff_no)
                .join(Membership, Membership.person_id == Person.id)
                .where(Membership.group_id == group_id, Membership.left_at.is_(None))
                .order_by(Person.staff_no)
                .offset(1)
                .limit(n)
            ).scalars()
        )
    names = []
    with db.unit_of_work() as uow:
        for i, staff_no in enumerate(people):
            name = f"m{i:05d}"
            accounts.create_user(
                uow,
                ACTOR,
                name,
                PASSWORD,
                ["member"],
                staff_no=staff_no,
                must_change_password=False,
            )
            names.append(name)
    return names


async def sign_in_all(port: int, users: list[str]) -> list[tuple[str, str]]:
    """Sessions (cookie, CSRF token) for every user, one sign-in at a time: signing in is
    not what is measured."""
    sessions = []
    for user in users:
        client = Http(port)
        await client.sign_in(user)
        await client.close()
        sessions.append((client.cookie, client.csrf))
    return sessions


async def publish_and_deliver(port: int, group_id: int, listeners: list[str]) -> dict[str, Any]:
    received: list[float] = []
    connected = 0
    published_at = 0.0
    done = asyncio.Event()

    async def listen(cookie: str) -> None:
        nonlocal connected
        async with websockets.connect(
            f"ws://127.0.0.1:{port}/api/v1/stream",
            additional_headers={"Cookie": cookie},
            open_timeout=60,
            max_queue=None,
        ) as ws:
            await ws.send(json.dumps({"type": "hello", "since": {}}))
            json.loads(await ws.recv())
            connected += 1
            deadline = time.monotonic() + 60
            while not done.is_set() and time.monotonic() < deadline:
                try:
                    event = json.loads(await asyncio.wait_for(ws.recv(), timeout=0.5))
                except TimeoutError:
                    continue
                if event["type"] == "message" and event["data"]["kind"] == "notice":
                    received.append(time.perf_counter())
                    return

    cookies = await sign_in_all(port, listeners)
    tasks = []
    for i, (cookie, _csrf) in enumerate(cookies):
        tasks.append(asyncio.create_task(listen(cookie)))
        if i % 50 == 49:
            await asyncio.sleep(0.2)
    deadline = time.monotonic() + 120
    while connected < len(listeners) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    office = Http(port)
    await office.sign_in("office")
    published_at = time.perf_counter()
    status, body = await office.post(
        "/api/v1/notices",
        {
            "title": "全员通知",
            "body": "请全体干部职工于周五前完成年度考核自评。",
            "group_ids": [group_id],
        },
    )
    answered = time.perf_counter() - published_at
    assert status == 201, body
    deadline = time.monotonic() + 30
    while len(received) < connected and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    done.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    await office.close()
    delays = [t - published_at for t in received]
    return {
        "notice_id": body["id"],
        "api_answer_ms": round(answered * 1000, 1),
        "listeners_connected": connected,
        "listeners_received": len(received),
        "all_received_within_ms": round(max(delays) * 1000, 1) if delays else None,
        "received_p50_ms": pct(delays, 0.5),
    }


def acknowledge_everyone(db: Database, notice_id: int, group_id: int) -> int:
    """Every member acknowledges, in one statement (the state the ledger goal speaks of)."""
    now = utcnow()
    with db.unit_of_work() as uow:
        people = list(
            uow.session.scalars(
                select(Membership.person_id).where(
                    Membership.group_id == group_id, Membership.left_at.is_(None)
                )
            )
        )
        rows = [
            {"notice_id": notice_id, "person_id": p, "at": now, "how": "tap", "group_id": group_id}
            for p in people
        ]
        uow.session.execute(insert(NoticeAcknowledgement).prefix_with("OR IGNORE"), rows)
    return len(people)


def ledger_latency(port: int, notice_id: int, n: int) -> dict[str, Any]:
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        answer = client.post(
            "/api/v1/auth/login", json={"username": "office", "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        out: dict[str, Any] = {}
        for label, path in (
            ("api", f"/api/v1/notices/{notice_id}/ledger"),
            ("api_counts_only", f"/api/v1/notices/{notice_id}/ledger?limit=0"),
            ("page", f"/notices/{notice_id}/ledger"),
        ):
            times = []
            for _ in range(n):
                start = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - start)
                assert response.status_code == 200
            out[label] = {"p50_ms": pct(times, 0.5), "p95_ms": pct(times, 0.95)}
        summary = client.get(f"/api/v1/notices/{notice_id}/ledger").json()
        out["acknowledged"] = summary["acknowledged"]
        out["recipients"] = summary["recipients"]
    return out


async def ack_throughput(
    port: int, users: list[str], notice_ids: list[int], total: int
) -> dict[str, Any]:
    """Every user signs in first (sign-in is not what is measured); then 32 connections
    acknowledge on their behalf, each user each notice once."""
    sessions = await sign_in_all(port, users)
    work = [(sessions[i % len(users)], notice_ids[i // len(users)]) for i in range(total)]
    errors = 0
    latencies: list[float] = []

    async def run(client: Http) -> None:
        nonlocal errors
        while work:
            (client.cookie, client.csrf), notice = work.pop()
            start = time.perf_counter()
            status, _ = await client.post(f"/api/v1/notices/{notice}/ack", {})
            latencies.append(time.perf_counter() - start)
            if status != 200:
                errors += 1

    clients = [Http(port) for _ in range(CONCURRENCY)]
    start = time.perf_counter()
    await asyncio.gather(*(run(c) for c in clients))
    wall = time.perf_counter() - start
    for c in clients:
        await c.close()
    return {
        "acks": len(latencies),
        "errors": errors,
        "concurrent_clients": CONCURRENCY,
        "acks_per_s": round(len(latencies) / wall, 1),
        "p50_ms": pct(latencies, 0.5),
        "p99_ms": pct(latencies, 0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--listeners", type=int, default=400)
    parser.add_argument("--acks", type=int, default=4000)
    parser.add_argument("--ledger-requests", type=int, default=100)
    args = parser.parse_args()
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        migrate.upgrade(engine)
        db = Database(engine)
        t0 = time.perf_counter()
        plan = seed(db, 20, args.members)
        users = member_accounts(db, plan["big"], args.listeners)
        out["setup_s"] = round(time.perf_counter() - t0, 1)
        out["group_members"] = args.members
        server = ServerProcess(url, Path(tmp) / "server.log")
        try:
            delivery = asyncio.run(publish_and_deliver(server.port, plan["big"], users))
            out["publish_to_group"] = delivery
            acknowledge_everyone(db, delivery["notice_id"], plan["big"])
            out["ledger_with_all_acknowledged"] = ledger_latency(
                server.port, delivery["notice_id"], args.ledger_requests
            )
            # Fresh notices for the acknowledgement load: each user acknowledges each once.
            per_notice = len(users)
            needed = -(-args.acks // per_notice)
            office = httpx.Client(base_url=server.base, timeout=60)
            login = office.post(
                "/api/v1/auth/login", json={"username": "office", "password": PASSWORD}
            )
            csrf = login.json()["csrf_token"]
            notice_ids = []
            for i in range(needed):
                made = office.post(
                    "/api/v1/notices",
                    json={"title": f"通知 {i}", "body": "请确认。", "group_ids": [plan["big"]]},
                    headers={"X-CSRF-Token": csrf},
                )
                notice_ids.append(made.json()["id"])
            office.close()
            out["ack_endpoint"] = asyncio.run(
                ack_throughput(server.port, users, notice_ids, args.acks)
            )
            out["server_rss_mb"] = round(server.rss_kb() / 1024, 1)
        finally:
            server.stop()
        engine.dispose()
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
