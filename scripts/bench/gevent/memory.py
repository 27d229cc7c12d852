"""gevent baseline for ../memory.mjs: RSS per greenlet with N greenlets parked in sleep(60).

A counter in the body proves every greenlet started and is parked before RSS is read (after a
full GC). The process then leaves with os._exit: gevent's killall of 100k takes ~10 s here
and is not what is measured.
Prints {"value": RSS bytes per parked greenlet, "spawnAndParkSeconds", ...}.

Example: /usr/bin/python3 scripts/bench/gevent/memory.py --n=100000
"""

import time

import gevent
from _harness import args, check, collect_garbage, exit_now, now, report, rss_bytes

opts = args(n=100000)
entered = [0]


def parked():
    entered[0] += 1
    gevent.sleep(60)


def spawn_and_park(count):
    greenlets = [gevent.spawn(parked) for _ in range(count)]
    deadline = time.monotonic() + 50  # bounded: well before the 60 s sleeps end
    while entered[0] < count and time.monotonic() < deadline:
        gevent.sleep(0.01)
    check(entered[0] == count, "%d of %d greenlets parked" % (entered[0], count))
    return greenlets


gevent.killall(spawn_and_park(1000), block=True)  # warm-up
entered[0] = 0
collect_garbage()
rss0 = rss_bytes()
t0 = now()
everyone = spawn_and_park(opts["n"])
park_seconds = now() - t0
collect_garbage()
rss1 = rss_bytes()
n = opts["n"]
report(value=(rss1 - rss0) / n, rssParkedMiB=rss1 / 2**20, rssBeforeMiB=rss0 / 2**20,
       spawnAndParkSeconds=park_seconds, n=len(everyone))
exit_now()
