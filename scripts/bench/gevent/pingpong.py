"""gevent baseline for ../pingpong.mjs: two greenlets ping-ponging N round trips.

--variant=queue: a pair of gevent.queue.Queue (put, then get the answer).
--variant=event: a pair of gevent.event.Event (set / wait / clear).
Prints {"value": round trips per second, "switchesPerSec", "totalSeconds"}.

Example: /usr/bin/python3 scripts/bench/gevent/pingpong.py --variant=queue --n=200000
"""

import gevent
from gevent.event import Event
from gevent.queue import Queue
from _harness import args, check, collect_garbage, cpu_now, now, report

opts = args(n=200000, variant="queue")


def queue_ping_pong(rounds):
    there, back = Queue(), Queue()

    def ping():
        total = 0
        for i in range(rounds):
            there.put(i)
            total += back.get()
        return total

    def pong():
        for _ in range(rounds):
            back.put(there.get())

    a, b = gevent.spawn(ping), gevent.spawn(pong)
    gevent.joinall([a, b], raise_error=True)
    return a.value


def event_ping_pong(rounds):
    first, second = Event(), Event()
    turns = [0]

    def ping():
        for _ in range(rounds):
            first.set()
            second.wait()
            second.clear()
            turns[0] += 1

    def pong():
        for _ in range(rounds):
            first.wait()
            first.clear()
            second.set()

    gevent.joinall([gevent.spawn(ping), gevent.spawn(pong)], raise_error=True)
    return turns[0]


VARIANTS = {
    "queue": (queue_ping_pong, lambda r: r * (r - 1) // 2),
    "event": (event_ping_pong, lambda r: r),
}
check(opts["variant"] in VARIANTS, "--variant must be queue or event")
body, expect = VARIANTS[opts["variant"]]
n = opts["n"]

body(n)  # warm-up: the same untimed full-size round as the Node side
collect_garbage()
t0, c0 = now(), cpu_now()
result = body(n)
total, cpu = now() - t0, cpu_now() - c0
check(result == expect(n), "result %r != %r" % (result, expect(n)))
report(value=n / total, cpuValue=n / cpu, switchesPerSec=2 * n / total, totalSeconds=total, n=n,
       variant=opts["variant"])
