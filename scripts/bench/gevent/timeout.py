"""gevent baseline for ../timeout.mjs: `with gevent.Timeout(10): pass`, N times.

The timer is armed and cancelled and never fires. Runs in the main greenlet.
Prints {"value": Timeouts per second, "microsEach", "totalSeconds"}.

Example: /usr/bin/python3 scripts/bench/gevent/timeout.py --n=200000
"""

import gevent
from _harness import args, check, collect_garbage, cpu_now, now, report

opts = args(n=200000)


def arm_and_cancel(count):
    for _ in range(count):
        with gevent.Timeout(10):
            pass


def self_check():
    """The measured statement really arms a timer and disarms it."""
    with gevent.Timeout(10) as timeout:
        check(timeout.pending, "Timeout(10) is armed inside the with block")
    check(not timeout.pending, "Timeout(10) is disarmed after the with block")


self_check()
arm_and_cancel(opts["n"])  # warm-up: the same untimed full-size round as the Node side
collect_garbage()
n = opts["n"]
t0, c0 = now(), cpu_now()
arm_and_cancel(n)
total, cpu = now() - t0, cpu_now() - c0
report(value=n / total, cpuValue=n / cpu, microsEach=total / n * 1e6, totalSeconds=total, n=n)
