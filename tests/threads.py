"""Run a function in several threads at once, each with its own database connection."""

import threading
import time
from collections.abc import Callable

from django.db import connection


def run_together(count: int, work: Callable[[int], object]) -> list:
    """Start `count` threads released together by a barrier; return what each returned
    (exceptions are re-raised in the caller)."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            barrier.wait()
            results[n] = work(n)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def widen_race_window(monkeypatch, module: object, name: str, seconds: float = 0.003) -> None:
    """Pause before `module.name` runs: a step between reading and writing.

    With locks the pause is harmless; without them it makes the lost update certain rather
    than likely, so a test run with locks off shows the race every time, not now and then.
    """
    original = getattr(module, name)

    def slow(*args, **kwargs):
        time.sleep(seconds)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, slow)


def meet_before(monkeypatch, module: object, name: str, runs: int) -> None:
    """Hold `runs` threads before `module.name` until all of them are there. Only for a
    run with locks off: with them, the threads could never all arrive."""
    original = getattr(module, name)
    barrier = threading.Barrier(runs, timeout=10)

    def met(*args, **kwargs):
        barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, met)


def race_point(
    monkeypatch, module: object, name: str, *, locking: bool, runs: int, seconds: float = 0.003
) -> None:
    """The step between a race's read and its write, `module.name`: with the locks on, a
    pause there (harmless under them); with them off, the `runs` threads meet there, so
    each has read before any writes and the race shows every time."""
    if locking:
        widen_race_window(monkeypatch, module, name, seconds)
    else:
        meet_before(monkeypatch, module, name, runs)
