"""``qunguan serve`` as a child process on a free port, for the realtime and browser tests.

A free port is only free when it is probed: another process (another test run on the same
machine) may take it before the server binds it. The server then fails to bind, and a
health check could even be answered by that other process's server. So a server counts
as up only once its own log says it bound the port and ``/healthz`` answers; a server that
could not bind is started again on another port.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

START_TIMEOUT_SECONDS = 60
ATTEMPTS = 3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Start the server with ``env`` (logging to ``log``); its process and port, once up."""
    reasons = []
    for _attempt in range(ATTEMPTS):
        port = free_port()
        offset = log.stat().st_size if log.exists() else 0
        with log.open("ab") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "qunguan.cli.main", "serve", "--port", str(port)],
                env={**os.environ, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        bound = f"running on http://127.0.0.1:{port}".encode()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            with log.open("rb") as written:
                written.seek(offset)
                ours = bound in written.read()
            if ours and _healthy(port):
                return process, port
            time.sleep(0.1)
        else:
            process.kill()
            process.wait(timeout=10)
            raise RuntimeError(f"server did not come up in {START_TIMEOUT_SECONDS} s")
        with log.open("rb") as written:
            written.seek(offset)
            said = written.read().decode(errors="replace")
        if "address already in use" not in said:
            raise RuntimeError(f"server exited: {said[-2000:]}")
        reasons.append(f"port {port} taken")
    raise RuntimeError(f"no free port after {ATTEMPTS} attempts: {', '.join(reasons)}")


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False
