"""A real `oxigraph serve` for tests (the PyPI `oxigraph` binary of the test extras), on 127.0.0.1."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Server:
    """A running `oxigraph serve`."""

    url: str  # http://127.0.0.1:PORT
    process: subprocess.Popen[bytes]

    @property
    def query(self) -> str:
        return f"{self.url}/query"

    @property
    def store(self) -> str:
        return f"{self.url}/store"


def binary() -> str:
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if found is None:
        pytest.skip("the `oxigraph` server binary is not installed — `pip install oxigraph` (in the test extras)")
    return found


def start(folder: Path | None = None, union: bool = True) -> Server:
    """Start a server on a free port (in memory unless ``folder``) and wait until it answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    args = [binary(), "serve", "--bind", f"127.0.0.1:{port}"]
    if folder is not None:
        args += ["--location", str(folder)]
    if union:
        args.append("--union-default-graph")
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server = Server(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oxigraph serve exited with {process.returncode}: {process.stderr.read().decode()}")
        try:
            with urllib.request.urlopen(f"{server.query}?query=ASK%7B%7D", timeout=2):
                return server
        except OSError:
            time.sleep(0.1)
    stop(server)
    raise RuntimeError(f"oxigraph serve did not answer on {server.url} within 30 s")


def stop(server: Server) -> None:
    """Stop the server started by :func:`start` (terminate, then kill after 10 s)."""
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    if server.process.stderr is not None:
        server.process.stderr.close()
