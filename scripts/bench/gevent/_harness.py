"""Shared helpers for the gevent side of the benchmarks (run with /usr/bin/python3).

Layer: scripts/bench/gevent, the real-gevent baseline. Same protocol as ../_harness.mjs:
one measurement per fresh process, `--name=value` arguments, a warm-up first, and exactly one
JSON line on stdout whose "value" is the headline figure.

Example:
    from _harness import args, report
    opts = args(n=100000)
    report(value=opts["n"] / elapsed)
"""

import gc
import json
import os
import sys
import time


def args(**defaults):
    """Parses --name=value over the defaults (numbers stay numbers)."""
    out = dict(defaults)
    for arg in sys.argv[1:]:
        if not arg.startswith("--") or "=" not in arg:
            raise SystemExit("bad argument %r: expected --name=value" % arg)
        name, raw = arg[2:].split("=", 1)
        if name not in defaults:
            raise SystemExit("unknown argument --%s" % name)
        out[name] = type(defaults[name])(raw)
    return out


def collect_garbage():
    gc.collect()
    gc.collect()


def rss_bytes():
    """VmRSS of this process, in bytes."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def now():
    return time.perf_counter()


def cpu_now():
    """CPU time (user + system) this process has used, in seconds."""
    return time.process_time()


def check(condition, message):
    if not condition:
        raise SystemExit("benchmark self-check failed: %s" % message)


def report(**result):
    """Prints the one JSON result line the runner reads."""
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


def exit_now():
    """Leaves at once, without tearing down parked greenlets (that alone takes seconds)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
