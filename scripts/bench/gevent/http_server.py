"""HTTP hello-world server on gevent's pywsgi, the baseline for ../http.mjs.

Layer: scripts/bench/gevent (real gevent, run with /usr/bin/python3).

Configured as gevent is deployed for speed: no access log (log=None) and TCP_NODELAY on every
accepted connection. Without TCP_NODELAY, pywsgi's two sendall() calls per response (headers,
then body) meet Nagle's algorithm and the client's delayed ACK, costing ~40 ms per keep-alive
request. Prints "listening PORT" once it accepts connections.

Example:
    /usr/bin/python3 scripts/bench/gevent/http_server.py --port=0
"""

import socket
import sys

from gevent.pywsgi import WSGIHandler, WSGIServer

from _harness import args


class NoDelayHandler(WSGIHandler):
    """Sets TCP_NODELAY before serving the connection."""

    def handle(self):
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return WSGIHandler.handle(self)


def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"hello"]


def main():
    opts = args(port=0)
    server = WSGIServer(("127.0.0.1", opts["port"]), hello, backlog=1024, log=None,
                        handler_class=NoDelayHandler)
    server.start()
    print("listening %d" % server.server_port, flush=True)
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
