"""Benchmark server, real gevent: gevent.server.StreamServer echoing on 127.0.0.1.

Layer: scripts/bench/gevent (the gevent baseline; run with /usr/bin/python3). The handler is
the one of ../../../shared/anchors/gevent/bench/echo_server_gevent.py. Prints {"port": N}
first (port 0 picks a free one) and stops on SIGTERM.

Example:
    /usr/bin/python3 scripts/bench/gevent/echo_server.py --port=0
"""

import json
import signal
import sys

import gevent
from gevent.server import StreamServer

from _harness import args


def handle(sock, _address):
    while True:
        data = sock.recv(65536)
        if not data:
            break
        sock.sendall(data)


def main():
    opts = args(port=0)
    server = StreamServer(("127.0.0.1", opts["port"]), handle, backlog=1024)
    server.start()
    print(json.dumps({"port": server.server_port}), flush=True)
    gevent.signal_handler(signal.SIGTERM, server.stop)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
