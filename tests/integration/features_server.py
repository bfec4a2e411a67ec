#!/usr/bin/env python3
"""features_server.py: a bare s2s listener for one stream: it answers the stream header with
its own (version 1.0) and the stream features given, then answers the other side's
</stream:stream> with its own and closes. For probe.sh: a server whose features fedsim's
peers never send (jabberd2's <dialback><required/></dialback>, without <errors/>).

usage: features_server.py ADDR PORT FEATURES_XML   (prints "ready" once listening; every
wait is bounded: 20 s for the connection, 10 s for each read)
"""
import socket
import sys

addr, port, features = sys.argv[1], int(sys.argv[2]), sys.argv[3]
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind((addr, port))
listener.listen(1)
listener.settimeout(20)
print("ready", flush=True)
conn, _ = listener.accept()
conn.settimeout(10)
data = b""
while b"<stream:stream" not in data or b">" not in data.split(b"<stream:stream", 1)[1]:
    chunk = conn.recv(4096)
    if not chunk:
        sys.exit(1)
    data += chunk
conn.sendall(("<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
              "xmlns:stream='http://etherx.jabber.org/streams' "
              "xmlns:db='jabber:server:dialback' from='dbrequired.test' id='features1' "
              "version='1.0'><stream:features>%s</stream:features>" % features).encode())
try:
    while b"</stream:stream>" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    conn.sendall(b"</stream:stream>")
except OSError:
    pass
conn.close()
