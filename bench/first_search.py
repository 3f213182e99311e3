"""Time from a fresh app start to the first answered search, as a user meets it.

Starts ``streamlit run app.py`` on the current build (``KG_BUILD_DIR`` and the other settings are
taken from the environment), opens ``/search?q=…`` in headless Chromium as soon as the server
answers its health check, and waits for the first highlighted result. Prints the three moments
(server answering, page opened, first result) for each run; it measures, it asserts nothing.

    python bench/first_search.py --runs 3 [--delay 0] [--query 全科医生]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def one_run(query: str, delay: float, port: int = 0, app: Path = ROOT / "app.py") -> tuple[float, float, float]:
    """(server answering, page opened, first result shown), in seconds after the server started."""
    from playwright.sync_api import sync_playwright

    port = port or free_port()
    started = time.monotonic()
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", app.name, "--server.address", "127.0.0.1",
                               "--server.port", str(port), "--server.headless", "true",
                               "--browser.gatherUsageStats", "false"],
                              cwd=app.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    raise SystemExit("the app exited before answering; run it with `make app` to see why")
                time.sleep(0.1)
        healthy = time.monotonic() - started
        time.sleep(delay)
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            opened = time.monotonic() - started
            page.goto(f"http://127.0.0.1:{port}/search?q={urllib.request.quote(query)}")
            page.locator("mark").first.wait_for(timeout=180_000)
            shown = time.monotonic() - started
            browser.close()
        return healthy, opened, shown
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds between the server answering and the "
                        "browser opening the page")
    parser.add_argument("--query", default="全科医生")
    parser.add_argument("--app", type=Path, default=ROOT / "app.py", help="the app file to serve (another "
                        "version, to compare)")
    parser.add_argument("--port", type=int, default=0, help="serve on this port (default: any free one)")
    args = parser.parse_args()
    print("| run | server answering | page opened | first result | first result after the page opened |")
    print("|---|---|---|---|---|")
    for number in range(1, args.runs + 1):
        healthy, opened, shown = one_run(args.query, args.delay, args.port, args.app.resolve())
        print(f"| {number} | {healthy:.1f} s | {opened:.1f} s | {shown:.1f} s | {shown - opened:.1f} s |")
    print(f"\nload average after the runs: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
