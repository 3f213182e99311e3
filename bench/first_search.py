"""Time from a fresh app start to the first answered search, as a user meets it.

Starts ``streamlit run app.py`` on the current build (``KG_BUILD_DIR`` and the other settings are
taken from the environment), opens ``/search?q=…`` in headless Chromium as soon as the server
answers its health check, and waits for the first highlighted result. Prints the three moments
(server answering, page opened, first result) for each run, and the CPU time the server process
had used by the first result (steadier than the wall clock on a loaded machine, where the
server gets a share of a core); it measures, it asserts nothing.

By default Chromium is already running when the server starts, as a user's browser is when the
app is restarted (each run opens a fresh context: no cache, no cookies, a first visit);
``--cold-browser`` launches Chromium only once the server answers, so its own start-up (about
1.2 s here) is counted too.

    python bench/first_search.py --runs 3 [--delay 0] [--query 全科医生] [--cold-browser]
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


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; 0 where it cannot be read)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def one_run(query: str, delay: float, port: int = 0, app: Path = ROOT / "app.py",
            cold_browser: bool = False) -> tuple[float, float, float, float]:
    """(server answering, page opened, first result shown) in seconds after the server started,
    and the server's CPU seconds by the first result."""
    from playwright.sync_api import sync_playwright

    port = port or free_port()
    with sync_playwright() as driver:
        browser = None if cold_browser else driver.chromium.launch(executable_path="/usr/bin/chromium",
                                                                    args=CHROMIUM_ARGS)
        started = time.monotonic()
        server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", app.name, "--server.address",
                                   "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
                                   "--browser.gatherUsageStats", "false"],
                                  cwd=app.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
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
            if browser is None:
                browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            opened = time.monotonic() - started
            page.goto(f"http://127.0.0.1:{port}/search?q={urllib.request.quote(query)}")
            page.locator("mark").first.wait_for(timeout=180_000)
            shown = time.monotonic() - started
            cpu = cpu_seconds(server.pid)
            context.close()
            return healthy, opened, shown, cpu
        finally:
            browser and browser.close()
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
    parser.add_argument("--cold-browser", action="store_true", help="launch Chromium only once the server "
                        "answers (its start-up counted), not before the server starts")
    args = parser.parse_args()
    print(f"load average before the runs: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}; Chromium "
          f"{'launched after the server answered' if args.cold_browser else 'already running'}\n")
    print("| run | server answering | page opened | first result | first result after the page opened "
          "| server CPU by the first result |")
    print("|---|---|---|---|---|---|")
    for number in range(1, args.runs + 1):
        healthy, opened, shown, cpu = one_run(args.query, args.delay, args.port, args.app.resolve(),
                                              args.cold_browser)
        print(f"| {number} | {healthy:.1f} s | {opened:.1f} s | {shown:.1f} s | {shown - opened:.1f} s | {cpu:.2f} s |")
    print(f"\nload average after the runs: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
