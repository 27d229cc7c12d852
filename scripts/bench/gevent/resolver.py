"""gevent's side of scripts/bench/resolver.mjs: gethostbyname('localhost') x n from `conc`
greenlets (the anchor's b6), with the resolver GEVENT_RESOLVER picks (thread or ares).

Layer: scripts/bench/gevent. Prints one JSON line, "value" = lookups per second (median of 3).

Example:
    GEVENT_RESOLVER=ares /usr/bin/python3 scripts/bench/gevent/resolver.py --n=5000 --conc=50
"""

import gevent
import gevent.socket
from gevent.hub import get_hub

from _harness import args, check, now, report

opts = args(n=5000, conc=50)
PER = opts["n"] // opts["conc"]


def worker():
    for _ in range(PER):
        check(gevent.socket.gethostbyname("localhost") == "127.0.0.1", "address")


def once():
    start = now()
    gevent.joinall([gevent.spawn(worker) for _ in range(opts["conc"])], raise_error=True)
    return PER * opts["conc"] / (now() - start)


gevent.socket.gethostbyname("localhost")  # warm-up: starts the pool / channel
rates = [once() for _ in range(3)]
report(
    value=round(sorted(rates)[1]),
    resolver=type(get_hub().resolver).__module__,
    all=[round(r) for r in rates],
)
