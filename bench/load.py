"""Load from a separate process: POST /api/v1/bookings for each (customer, session) pair.

    python bench/load.py BASE_URL TOKEN PAIRS_FILE THREADS
Each thread keeps one connection; all threads start together. Prints one JSON line:
latencies (seconds) and the count of each status code.
"""

import http.client
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import report, wait_for_go  # noqa: E402


def main() -> None:
    base, token, path, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    pairs = json.loads(Path(path).read_text())
    where = urlparse(base)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies: list[float] = []
    statuses: Counter = Counter()
    lock, ready = threading.Lock(), threading.Barrier(threads + 1)

    def client(share: list) -> None:
        conn = http.client.HTTPConnection(where.hostname, where.port, timeout=120)
        ready.wait()
        for customer_id, session_id in share:
            body = json.dumps({"customer_id": customer_id, "session_id": session_id})
            t = time.perf_counter()
            conn.request("POST", "/api/v1/bookings", body, headers)
            response = conn.getresponse()
            response.read()
            with lock:
                latencies.append(time.perf_counter() - t)
                statuses[response.status] += 1
        conn.close()

    workers = [threading.Thread(target=client, args=(pairs[i::threads],)) for i in range(threads)]
    for w in workers:
        w.start()
    wait_for_go()
    ready.wait()
    for w in workers:
        w.join()
    report({"latencies": latencies, "statuses": dict(statuses)})


if __name__ == "__main__":
    main()
