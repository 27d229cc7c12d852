"""gevent baseline for ../sleep0.mjs: gevent.sleep(0) in G greenlets x I iterations.

Prints {"value": sleep(0) calls per second, "totalSeconds"}.

Example: /usr/bin/python3 scripts/bench/gevent/sleep0.py --greenlets=1000 --iterations=200
"""

import gevent
from _harness import args, check, collect_garbage, cpu_now, now, report

opts = args(greenlets=1000, iterations=200)


def sleep_grid(count, times):
    sleeps = [0]

    def body():
        for _ in range(times):
            gevent.sleep(0)
            sleeps[0] += 1

    gevent.joinall([gevent.spawn(body) for _ in range(count)], raise_error=True)
    return sleeps[0]


sleep_grid(100, 20)  # warm-up
collect_garbage()
g, i = opts["greenlets"], opts["iterations"]
t0, c0 = now(), cpu_now()
sleeps = sleep_grid(g, i)
total, cpu = now() - t0, cpu_now() - c0
check(sleeps == g * i, "%d sleeps, expected %d" % (sleeps, g * i))
report(value=sleeps / total, cpuValue=sleeps / cpu, totalSeconds=total, greenlets=g, iterations=i)
