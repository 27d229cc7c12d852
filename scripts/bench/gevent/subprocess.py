"""gevent baseline for ../subprocess.mjs: gevent.subprocess, as the issue's bench 7.

Variants (--variant=):
- check_output: check_output(['true']) x n from `greenlets` greenlets; value = calls/s.
- communicate: Popen(['cat']).communicate(mib MiB); value = MB/s (1e6 bytes).

Example: /usr/bin/python3 scripts/bench/gevent/subprocess.py --variant=check_output --n=300
"""

import os
import sys

# This file is named subprocess.py and its folder is sys.path[0]: move the folder to the end,
# so `import subprocess` (inside gevent) finds the standard library, and _harness still loads.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != HERE] + [HERE]

import gevent  # noqa: E402
import gevent.subprocess as sp  # noqa: E402
from _harness import args, check, collect_garbage, now, report  # noqa: E402

opts = args(variant="check_output", n=300, greenlets=10, mib=64)


def check_output_grid(total, count):
    def body():
        for _ in range(total // count):
            check(sp.check_output(["true"]) == b"", "true printed something")

    gevent.joinall([gevent.spawn(body) for _ in range(count)], raise_error=True)


def through_cat(data):
    p = sp.Popen(["cat"], stdin=sp.PIPE, stdout=sp.PIPE)
    out, _ = p.communicate(data, timeout=120)
    check(p.returncode == 0, "cat exited with %s" % p.returncode)
    return out


if opts["variant"] == "check_output":
    n, g = opts["n"], opts["greenlets"]
    check_output_grid(g, g)  # warm-up
    collect_garbage()
    t0 = now()
    check_output_grid(n, g)
    total = now() - t0
    report(value=n / total, totalSeconds=total, n=n, greenlets=g)
elif opts["variant"] == "communicate":
    data = b"x" * (opts["mib"] * 2**20)
    through_cat(data[: 2**20])  # warm-up
    collect_garbage()
    t0 = now()
    out = through_cat(data)
    total = now() - t0
    check(out == data, "the output differs from the input")
    report(value=len(data) / total / 1e6, totalSeconds=total, mib=opts["mib"])
else:
    raise SystemExit("unknown --variant=%s: check_output or communicate" % opts["variant"])
