"""gevent baseline for ../spawn.mjs: spawn + joinall of N no-op greenlets.

Timed inside the main greenlet from before the first spawn to the return of joinall.
Prints {"value": greenlets per second, "spawnOnlyPerSec", "totalSeconds"}.

Example: /usr/bin/python3 scripts/bench/gevent/spawn.py --n=100000
"""

import gevent
from _harness import args, check, collect_garbage, cpu_now, now, report

opts = args(n=100000)


def noop():
    return 1


def spawn_and_join(count):
    t0, c0 = now(), cpu_now()
    greenlets = [gevent.spawn(noop) for _ in range(count)]
    spawned = now() - t0
    gevent.joinall(greenlets)
    total, cpu = now() - t0, cpu_now() - c0
    ok = sum(1 for g in greenlets if g.successful() and g.value == 1)
    check(ok == count, "%d of %d greenlets succeeded" % (ok, count))
    return spawned, total, cpu


spawn_and_join(opts["n"])  # warm-up: the same untimed full-size round as the Node side
collect_garbage()
spawned, total, cpu = spawn_and_join(opts["n"])
n = opts["n"]
report(value=n / total, cpuValue=n / cpu, spawnOnlyPerSec=n / spawned, totalSeconds=total, n=n)
