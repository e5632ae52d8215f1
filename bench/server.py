"""gunicorn on a free loopback port, for the HTTP benchmarks."""

import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.common import PYTHON, ROOT, env_for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """Production settings (as every bench process), static files collected for it."""

    def __init__(self, url: str, workers: int = 2) -> None:
        self.port = free_port()
        env = {
            **env_for(url),
            "PASSBOOK_STATIC_ROOT": tempfile.mkdtemp(prefix="passbook-static-"),
        }
        subprocess.run(
            [PYTHON, "-m", "django", "collectstatic", "--noinput", "-v0"],
            env=env,
            cwd=ROOT,
            check=True,
        )
        self.proc = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "passbook.wsgi:application",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--backlog",
                "2048",
                "--log-level",
                "error",
            ],
            env=env,
            cwd=ROOT,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(150):
            try:
                urllib.request.urlopen(self.base + "/api/v1/openapi.json", timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not start")

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each worker process (children of the master)."""
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        sizes = []
        for pid in children.split():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
