"""gevent's side of scripts/bench/threadpool.mjs: gevent.threadpool.ThreadPool, measured the way
our ThreadPool is.

Layer: scripts/bench/gevent. One measurement per process; prints one JSON line.
  --variant=throughput   n trivial tasks applied from `conc` greenlets on ThreadPool(threads);
                         "value" = tasks/s (median of `runs` rounds after a warm-up round)
  --variant=rtt          one greenlet applying a trivial task n times; "value" = p50 round trip (us)
  --variant=cpu          8 CPU-bound tasks of ~`ms` ms each (FNV-1a hashing in pure Python, so the
                         GIL is held, as in most Python code) on ThreadPool(1), then on
                         ThreadPool(2), while a greenlet ticks every 10 ms; "value" = time(2)/time(1)

Example:
    /usr/bin/python3 scripts/bench/gevent/threadpool.py --variant=throughput --n=20000 --conc=100
"""

import gevent
from gevent.threadpool import ThreadPool

from _harness import args, check, exit_now, now, report

opts = args(variant="throughput", n=20000, conc=100, threads=4, runs=3, ms=50, tasks=8)


def trivial(x):
    return x + 1


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def throughput():
    pool = ThreadPool(opts["threads"])
    per = opts["n"] // opts["conc"]

    def worker():
        for i in range(per):
            check(pool.apply(trivial, (i,)) == i + 1, "result")

    def once():
        start = now()
        gevent.joinall([gevent.spawn(worker) for _ in range(opts["conc"])], raise_error=True)
        return per * opts["conc"] / (now() - start)

    once()  # warm-up: all threads started
    rates = [once() for _ in range(opts["runs"])]
    report(value=round(sorted(rates)[len(rates) // 2]), all=[round(r) for r in rates])


def rtt():
    pool = ThreadPool(opts["threads"])
    for i in range(200):
        pool.apply(trivial, (i,))
    times = []
    for i in range(opts["n"]):
        start = now()
        pool.apply(trivial, (i,))
        times.append(now() - start)
    report(value=round(percentile(times, 0.5) * 1e6, 1), p99_us=round(percentile(times, 0.99) * 1e6, 1))


def hash_loop(rounds):
    """FNV-1a over a 64-byte block, `rounds` times: pure Python, so the GIL is held."""
    block = bytearray(64)
    h = 0x811C9DC5
    for r in range(rounds):
        low = r & 0xFF
        for b in block:
            h = ((h ^ b ^ low) * 0x01000193) & 0xFFFFFFFF
        block[r & 63] = h & 0xFF
    return h


def calibrate():
    """Rounds of hash_loop that take about opts["ms"] ms on one thread."""
    rounds = 200
    for _ in range(3):
        start = now()
        hash_loop(rounds)
        rounds = max(1, int(rounds * opts["ms"] / 1000 / max(now() - start, 1e-5)))
    return rounds


def cpu_round(threads, rounds):
    """Runs `tasks` hash loops on ThreadPool(threads); returns (seconds, ticker lags in ms)."""
    pool = ThreadPool(threads)
    pool.map(trivial, range(threads))  # threads started
    lags = []
    running = [True]

    def ticker():
        while running[0]:
            start = now()
            gevent.sleep(0.01)
            lags.append((now() - start - 0.01) * 1000)

    tick = gevent.spawn(ticker)
    start = now()
    pool.map(hash_loop, [rounds] * opts["tasks"])
    elapsed = now() - start
    running[0] = False
    tick.join()
    pool.kill()
    return elapsed, lags


def cpu():
    rounds = calibrate()
    one, _ = cpu_round(1, rounds)
    two, lags = cpu_round(2, rounds)
    report(
        value=round(two / one, 3),
        pool1_s=round(one, 3),
        pool2_s=round(two, 3),
        task_ms=opts["ms"],
        tick_p99_lag_ms=round(percentile(lags, 0.99), 2) if lags else None,
    )


{"throughput": throughput, "rtt": rtt, "cpu": cpu}[opts["variant"]]()
exit_now()
