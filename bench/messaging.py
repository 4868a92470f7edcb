"""Benchmark: the message path and realtime delivery against the real server. Prints JSON.

    .venv/bin/python bench/messaging.py [--clients 1000] [--rate 200] [--seconds 10]
        [--search-messages 1000000] [--redis redis://127.0.0.1:6379/0]

On a fresh SQLite database (WAL, synchronous=FULL) in a temporary folder, with rate limits
and the onboarding acknowledgement switched off by a governed policy change, it starts
``qunguan serve`` on 127.0.0.1 and measures:
- serial send latency (p50/p99) from one client, and the same into a 5,000-member group;
- throughput with 16 concurrent senders;
- fan-out: ``--clients`` WebSocket clients across 20 groups, a steady ``--rate`` messages/s
  for ``--seconds``, send -> received latency p50/p99 and how many deliveries were missed;
- server memory per idle WebSocket connection;
- with ``--redis``: the fan-out again with two server processes sharing Redis;
- search p95 over ``--search-messages`` stored messages (service call, no HTTP).
Every loop is bounded in count and time, and talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
import websockets

from qunguan.domain.access import Role
from qunguan.domain.actor import Actor, Principal
from qunguan.domain.clock import utcnow
from qunguan.policy.document import parse_policy
from qunguan.services.accounts import management as accounts
from qunguan.services.directory import people as directory
from qunguan.services.groups import lifecycle as groups
from qunguan.services.messages import conversation as messages
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database
from qunguan.store import migrate
from qunguan.store.db import make_engine
from qunguan.store.models import Message
from qunguan.tabular import write_xlsx

PASSWORD = "Bench!harbour-lamp-7"
HEADERS = ["工号", "姓名", "单位", "部门", "职务", "手机号", "党员", "在职状态", "状态日期"]
ACTOR = Actor.system("bench")
GROUPS = 20
BIG_GROUP = 5000
SENDERS = 16
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
WORDS = [
    "请各股室",
    "于本周五前",
    "报送年度",
    "预算编制材料",
    "会议安排在",
    "三楼会议室",
    "收到",
    "好的明白",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)


# Set-up -------------------------------------------------------------------------------------


def seed(db: Database, clients: int, big: int = BIG_GROUP) -> dict[str, Any]:
    """People in units of their own: 20 chat units of clients/20 people, a 5,000-person unit,
    a 5-person unit; unit-wide groups fill themselves from the directory."""
    per_group = max(1, clients // GROUPS)
    units = [(f"单位{u:02d}", per_group) for u in range(GROUPS)]
    units += [("大单位", big), ("小单位", 5), ("办公单位", 3)]
    code = {unit: f"U{k:02d}" for k, (unit, _n) in enumerate(units)}
    # Everyone sits in an office, so under s2 the first person of a unit may own its group.
    org = [[u, "办公室", ""] for u, _ in units]
    rows: list[list[object]] = []
    for unit, n in units:
        for i in range(n):
            k = len(rows)
            name = SURNAMES[k % 20] + GIVEN[(k // 20) % 24] + GIVEN[(k // 480) % 24]
            staff_no = f"{code[unit]}{i:05d}"
            rows.append([staff_no, name, unit, "办公室", "科员", "", "是", "在职", ""])
    accounts.configure_password_hashing(time_cost=1, memory_cost_kib=1024)
    with db.unit_of_work() as uow:
        directory.import_directory(
            uow,
            ACTOR,
            "bench.xlsx",
            write_xlsx([("人员", HEADERS, rows), ("单位部门", ["单位", "部门", "上级单位"], org)]),
        )
        policy_versions.adopt_preset(uow, ACTOR, "s2")
        accounts.create_user(
            uow,
            ACTOR,
            "office",
            PASSWORD,
            ["office"],
            staff_no=f"{code['办公单位']}00000",
            must_change_password=False,
        )
        accounts.create_user(
            uow, ACTOR, "security", PASSWORD, ["security_admin"], must_change_password=False
        )
        accounts.create_user(
            uow,
            ACTOR,
            "leader",
            PASSWORD,
            ["leader"],
            staff_no=f"{code['办公单位']}00001",
            must_change_password=False,
        )
    _relax_policy(db)
    office = _principal(db, "office")
    group_ids: dict[str, int] = {}
    for unit, _n in units[:-1]:
        with db.unit_of_work() as uow:
            form = groups.ApplicationForm(
                f"{unit}-工作交流",
                "department",
                "日常工作交流与通知",
                f"{code[unit]}00000",
                None,
                (),
                unit,
                True,
                (),
                True,
            )
            application = groups.apply(uow, _principal(db, "leader"), form)
        with db.unit_of_work() as uow:
            group = groups.decide(uow, office, application.id, approve=True, note="同意")
            assert group is not None
            group_ids[unit] = group.id
    # Accounts for the chat units' people, and one sender in the big and the small unit.
    usernames: dict[int, list[str]] = {}
    with db.unit_of_work() as uow:
        for g, (unit, n) in enumerate(units[:GROUPS]):
            usernames[group_ids[unit]] = []
            for i in range(n):
                name = f"u{g:02d}-{i:04d}"
                accounts.create_user(
                    uow,
                    ACTOR,
                    name,
                    PASSWORD,
                    ["member"],
                    staff_no=f"{code[unit]}{i:05d}",
                    must_change_password=False,
                )
                usernames[group_ids[unit]].append(name)
        for unit, name in (("大单位", "big"), ("小单位", "small")):
            accounts.create_user(
                uow,
                ACTOR,
                name,
                PASSWORD,
                ["member"],
                staff_no=f"{code[unit]}00000",
                must_change_password=False,
            )
    return {
        "chat_groups": [group_ids[u] for u, _ in units[:GROUPS]],
        "users": usernames,
        "big": group_ids["大单位"],
        "small": group_ids["小单位"],
    }


def _principal(db: Database, username: str) -> Principal:
    with db.reading() as uow:
        view = next(u for u in accounts.list_accounts(uow) if u.username == username)
    return Principal(view.id, username, frozenset(Role(r) for r in view.roles), view.person_id)


def _relax_policy(db: Database) -> None:
    """Rate limits and the onboarding acknowledgement off, by the governed change."""
    with db.unit_of_work() as uow:
        current = policy_versions.require_current(uow).policy
        data = current.model_dump(mode="json")
        data["settings"]["posting"]["rate_limit_per_minute"] = None
        data["settings"]["membership"]["onboarding"]["acknowledge_regulation"] = False
        view = policy_versions.propose(
            uow, _principal(db, "security"), policy_versions.to_yaml(parse_policy(data)), "bench"
        )
    with db.unit_of_work() as uow:
        policy_versions.approve(uow, _principal(db, "leader"), view.id, "bench")


class ServerProcess:
    def __init__(self, url: str, log: Path, redis_url: str | None = None) -> None:
        self.port = free_port()
        env = {**os.environ, "QUNGUAN_DATABASE_URL": url, "QUNGUAN_SCHEDULER": "0"}
        env.pop("QUNGUAN_REDIS_URL", None)
        if redis_url:
            env["QUNGUAN_REDIS_URL"] = redis_url
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "qunguan.cli.main",
                    "serve",
                    "--port",
                    str(self.port),
                    "--no-access-log",
                ],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Http:
    """A minimal keep-alive HTTP/1.1 client for JSON posts.

    The load generator shares the machine with the server; a general-purpose client spends
    more CPU per request than the server does, and would measure itself.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = ""
        self.csrf = ""
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """One request; a connection the server closed while idle is opened again once."""
        for attempt in (1, 2):
            try:
                return await self._post(path, body)
            except (ConnectionError, IndexError, asyncio.IncompleteReadError):
                await self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self._reader is not None
        data = json.dumps(body, ensure_ascii=False).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\nX-CSRF-Token: {self.csrf}\r\n"
            + (f"Cookie: {self.cookie}\r\n" if self.cookie else "")
            + "\r\n"
        )
        self._writer.write(head.encode() + data)
        status_line = await self._reader.readline()
        length = 0
        while True:
            line = await self._reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "set-cookie":
                self.cookie = value.strip().split(";", 1)[0]
        payload = await self._reader.readexactly(length) if length else b"{}"
        return int(status_line.split()[1]), json.loads(payload)

    async def sign_in(self, username: str) -> None:
        status, body = await self.post(
            "/api/v1/auth/login", {"username": username, "password": PASSWORD}
        )
        assert status == 200, body
        self.csrf = str(body["csrf_token"])

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


# Measurements -------------------------------------------------------------------------------


async def serial(port: int, username: str, group_id: int, n: int) -> dict[str, float]:
    client = Http(port)
    await client.sign_in(username)
    times = []
    for i in range(n):
        start = time.perf_counter()
        status, body = await client.post(
            f"/api/v1/groups/{group_id}/messages",
            {"client_id": f"serial-{username}-{i}", "body": f"串行发送第{i}条"},
        )
        times.append(time.perf_counter() - start)
        assert status == 201, body
    await client.close()
    return {"p50_ms": pct(times, 0.5), "p99_ms": pct(times, 0.99), "per_s": round(n / sum(times))}


async def concurrent(port: int, users: list[str], group_id: int, per: int) -> dict[str, float]:
    times: list[float] = []
    clients = [Http(port) for _ in users]
    for client, username in zip(clients, users, strict=True):
        await client.sign_in(username)

    async def one(client: Http, username: str) -> None:
        for i in range(per):
            start = time.perf_counter()
            status, body = await client.post(
                f"/api/v1/groups/{group_id}/messages",
                {"client_id": f"conc-{username}-{i}", "body": f"并发发送{i}"},
            )
            times.append(time.perf_counter() - start)
            assert status == 201, body

    start = time.perf_counter()
    await asyncio.gather(*(one(c, u) for c, u in zip(clients, users, strict=True)))
    elapsed = time.perf_counter() - start
    for client in clients:
        await client.close()
    return {
        "senders": len(users),
        "messages": len(times),
        "per_s": round(len(times) / elapsed),
        "p50_ms": pct(times, 0.5),
        "p99_ms": pct(times, 0.99),
    }


async def fanout(
    servers: list[ServerProcess], plan: dict[str, Any], rate: int, seconds: float
) -> dict[str, Any]:
    """Clients connect (spread over the servers); a sender per group sends at the rate."""
    users: dict[int, list[str]] = plan["users"]
    latencies: list[float] = []
    received = 0
    stop = asyncio.Event()
    ready = 0

    async def listen(server: ServerProcess, username: str) -> None:
        nonlocal received, ready
        http = Http(server.port)
        await http.sign_in(username)
        await http.close()
        cookie = http.cookie
        async with websockets.connect(
            f"ws://127.0.0.1:{server.port}/api/v1/stream",
            additional_headers={"Cookie": cookie},
            open_timeout=60,
            max_queue=None,
        ) as ws:
            await ws.send(json.dumps({"type": "hello", "since": {}}))
            json.loads(await ws.recv())
            ready += 1
            while not stop.is_set():
                try:
                    raw = await asyncio.wait_for(ws.recv(), timeout=0.5)
                except TimeoutError:
                    continue
                event = json.loads(raw)
                if event["type"] == "message":
                    sent_at = float(event["data"]["body"].split("|", 1)[0])
                    latencies.append(time.time() - sent_at)
                    received += 1

    everyone = [(g, u) for g, names in users.items() for u in names]
    base_rss = [s.rss_kb() for s in servers]
    listeners = []
    # Connect in batches so sign-in does not time out.
    for i, (_g, username) in enumerate(everyone):
        listeners.append(asyncio.create_task(listen(servers[i % len(servers)], username)))
        if i % 50 == 49:
            await asyncio.sleep(0.2)
    deadline = time.monotonic() + 120
    while ready < len(everyone) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    await asyncio.sleep(1)
    idle_kb = sum(s.rss_kb() for s in servers) - sum(base_rss)

    senders: dict[int, Http] = {}
    for g, names in users.items():
        senders[g] = Http(servers[0].port)
        await senders[g].sign_in(names[0])
    group_ids = list(users)
    locks = {g: asyncio.Lock() for g in group_ids}
    # Fresh client ids per run: a repeated id is an idempotent retry, answered without an event.
    run = len(servers)
    total = int(rate * seconds)
    sent = 0
    send_errors = 0
    start = time.perf_counter()

    async def send_one(i: int) -> None:
        nonlocal send_errors
        g = group_ids[i % len(group_ids)]
        async with locks[g]:  # one request at a time on each sender's connection
            status, _body = await senders[g].post(
                f"/api/v1/groups/{g}/messages",
                {"client_id": f"fan-{run}-{i}", "body": f"{time.time()}|{random.choice(WORDS)}"},
            )
        if status != 201:
            send_errors += 1

    pending = []
    for i in range(total):
        target = start + i / rate
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        pending.append(asyncio.create_task(send_one(i)))
        sent += 1
    await asyncio.gather(*pending)
    expected = sum(len(users[group_ids[i % len(group_ids)]]) for i in range(total))
    deadline = time.monotonic() + 15
    while received < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    stop.set()
    await asyncio.gather(*listeners, return_exceptions=True)
    for client in senders.values():
        await client.close()
    return {
        "servers": len(servers),
        "clients": ready,
        "rate_per_s": rate,
        "messages": sent,
        "send_errors": send_errors,
        "deliveries_expected": expected,
        "deliveries_missed": expected - received,
        "p50_ms": pct(latencies, 0.5),
        "p99_ms": pct(latencies, 0.99),
        "idle_kb_per_connection": round(idle_kb / max(ready, 1), 1),
    }


def search_bench(db: Database, plan: dict[str, Any], n: int) -> dict[str, Any]:
    """Bulk-load n messages into the chat groups, then time searches through the service."""
    group_ids = plan["chat_groups"]
    with db.reading() as uow:
        sender = next(iter(accounts.list_accounts(uow)))
    member = _principal(db, plan["users"][group_ids[0]][0])
    rng = random.Random(7)
    start = time.perf_counter()
    batch = 20_000
    now = utcnow()
    with db.unit_of_work() as uow:
        seqs = {g: 10_000_000 for g in group_ids}
        for offset in range(0, n, batch):
            rows = []
            for i in range(offset, min(n, offset + batch)):
                g = group_ids[i % len(group_ids)]
                seqs[g] += 1
                words = "".join(rng.choice(WORDS) for _ in range(6))
                rows.append(
                    {
                        "group_id": g,
                        "seq": seqs[g],
                        "sender_person_id": member.person_id,
                        "sender_user_id": sender.id,
                        "client_id": f"bulk-{i}",
                        "kind": "text",
                        "body": f"{words}{i}",
                        "mentions": [],
                        "tags": [],
                        "category": "",
                        "status": "visible",
                        "created_at": now,
                    }
                )
            uow.session.execute(Message.__table__.insert(), rows)
    load_s = time.perf_counter() - start
    times = []
    for term in ("预算编制", "会议室", "报送年度", "三楼", "收到好的明白", "材料会议安排"):
        for _ in range(10):
            with db.reading() as uow:
                t0 = time.perf_counter()
                messages.search(uow, member, messages.SearchQuery(term, limit=50))
                times.append(time.perf_counter() - t0)
    return {
        "messages": n,
        "load_s": round(load_s, 1),
        "p50_ms": pct(times, 0.5),
        "p95_ms": pct(times, 0.95),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--serial", type=int, default=1000)
    parser.add_argument("--per-sender", type=int, default=200)
    parser.add_argument("--search-messages", type=int, default=1_000_000)
    parser.add_argument("--big-group", type=int, default=BIG_GROUP)
    parser.add_argument("--skip-fanout", action="store_true")
    parser.add_argument("--redis", default=os.environ.get("QUNGUAN_TEST_REDIS_URL", ""))
    args = parser.parse_args()
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        migrate.upgrade(engine)
        db = Database(engine)
        t0 = time.perf_counter()
        plan = seed(db, args.clients, args.big_group)
        out["setup_s"] = round(time.perf_counter() - t0, 1)
        server = ServerProcess(url, Path(tmp) / "server.log")
        try:
            first_group = plan["chat_groups"][0]
            sender = plan["users"][first_group][0]
            out["serial_send"] = asyncio.run(serial(server.port, sender, first_group, args.serial))
            out["serial_send_5_members"] = asyncio.run(
                serial(server.port, "small", plan["small"], args.serial // 2)
            )
            out["serial_send_5000_members"] = asyncio.run(
                serial(server.port, "big", plan["big"], args.serial // 2)
            )
            # Sixteen members of one group, all sending into it at once.
            senders = plan["users"][first_group][:SENDERS]
            out["concurrent_send"] = asyncio.run(
                concurrent(server.port, senders, first_group, args.per_sender)
            )
            if not args.skip_fanout:
                out["fanout"] = asyncio.run(fanout([server], plan, args.rate, args.seconds))
            out["server_rss_mb"] = round(server.rss_kb() / 1024, 1)
        finally:
            server.stop()
        if args.redis and not args.skip_fanout:
            pair = [ServerProcess(url, Path(tmp) / f"redis-{i}.log", args.redis) for i in range(2)]
            try:
                out["fanout_two_processes_redis"] = asyncio.run(
                    fanout(pair, plan, args.rate, args.seconds)
                )
            finally:
                for s in pair:
                    s.stop()
        if args.search_messages:
            out["search"] = search_bench(db, plan, args.search_messages)
        engine.dispose()
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
