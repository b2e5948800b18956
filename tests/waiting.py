"""Wait for a condition, never for a fixed time: tests poll with a bound and return what they saw."""
import time


def wait_for(predicate, timeout=10.0, step=0.05):
    """Poll ``predicate`` until it returns something truthy or ``timeout`` passes; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)
