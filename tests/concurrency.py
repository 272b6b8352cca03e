"""Running the same call from several threads at once (PostgreSQL concurrency tests)."""
import threading

from django.db import connection


class WorkerHung(AssertionError):
    """A worker thread was still running when the test stopped waiting for it."""


def run_parallel(n, target, *, timeout=60):
    """Run `target(i)` in n threads released together; returns (results, errors).

    Whatever a worker raises, an `AssertionError` of a check made inside the worker included, is
    collected in `errors` for the test to assert on (an exception in a thread is otherwise lost);
    a worker still running after `timeout` seconds is reported there as `WorkerHung`.
    """
    barrier = threading.Barrier(n)
    results, errors = [], []

    def worker(i):
        try:
            barrier.wait()
            results.append(target(i))
        except Exception as exc:  # collected and asserted by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    errors.extend(WorkerHung(f"{t.name} still running after {timeout}s") for t in threads if t.is_alive())
    return results, errors
