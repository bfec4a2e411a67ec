#!/usr/bin/env python3
"""tenant_dialback.py: a fake SUT that asks a fedsim peer's tenant domains for dialback, the
way jabberd2 without TLS does: its stream header has no 'to', 'from' or 'version', and its
db:result follows the peer's header at once. It plays the SUT's authoritative side too: the
peer's verify connection comes to its s2s listener and is answered valid. What it checks
(XEP-0220: the receiving server answers a db:result from the domain the request was addressed
to): each tenant's answer carries the tenant's domain as 'from', on a stream whose header had
no 'to' and on one whose header named the provider's domain (target multiplexing).

usage: tenant_dialback.py [--without-to-only] LISTEN_PORT PEER_ADDR PROVIDER TENANT... (prints
one line per check: "ok - ..." or "not ok - ...", exit 1 if any failed). --without-to-only: no
stream with a 'to' (a peer without dialback errors support refuses target multiplexing).
"""
import re
import socket
import sys
import threading

SUT = "sut.test"
KEY = "0" * 64  # any key: the peer asks our authoritative side, which says valid
TIMEOUT = 10.0


def read_until(sock, buf, pattern):
    """Reads from sock into buf (a list of one str) until pattern matches; returns the match."""
    rx = re.compile(pattern, re.S)
    while True:
        m = rx.search(buf[0])
        if m:
            buf[0] = buf[0][m.end():]
            return m
        data = sock.recv(65536)
        if not data:
            raise EOFError("connection closed while waiting for %s; got %r" % (pattern, buf[0]))
        buf[0] += data.decode("utf-8", "replace")


def authoritative(listener, stop):
    """Answers every verify connection the peer opens: db:verify is valid."""
    listener.settimeout(0.5)
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except socket.timeout:
            continue
        threading.Thread(target=answer_verify, args=(conn,), daemon=True).start()


def answer_verify(conn):
    conn.settimeout(TIMEOUT)
    buf = [""]
    try:
        read_until(conn, buf, r"<stream:stream[^>]*>")
        conn.sendall(("<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/"
                      "streams' xmlns='jabber:server' xmlns:db='jabber:server:dialback' "
                      "id='authoritative1'>").encode())
        while True:
            m = read_until(conn, buf, r"<db:verify([^>]*)>([^<]*)</db:verify>")
            attrs = dict(re.findall(r"(\w+)=['\"]([^'\"]*)['\"]", m.group(1)))
            conn.sendall(("<db:verify from='%s' to='%s' id='%s' type='valid'/>" %
                          (attrs.get("to"), attrs.get("from"), attrs.get("id"))).encode())
    except (EOFError, OSError):
        pass
    finally:
        conn.close()


def ask(peer, header_to, tenants, results):
    """One stream to the peer; a db:result for each tenant; the answers' 'from' recorded."""
    host, port = peer.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=TIMEOUT)
    buf = [""]
    to = " to='%s'" % header_to if header_to else ""
    s.sendall(("<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/"
               "streams' xmlns='jabber:server' xmlns:db='jabber:server:dialback'%s>" % to).encode())
    read_until(s, buf, r"<stream:stream[^>]*>")
    for t in tenants:
        s.sendall(("<db:result from='%s' to='%s'>%s</db:result>" % (SUT, t, KEY)).encode())
    for _ in tenants:
        m = read_until(s, buf, r"<db:result([^>]*)/>")
        attrs = dict(re.findall(r"(\w+)=['\"]([^'\"]*)['\"]", m.group(1)))
        results.append(attrs)
    s.sendall(b"</stream:stream>")
    s.close()


def main():
    args = sys.argv[1:]
    without_to_only = args[0] == "--without-to-only"
    if without_to_only:
        args = args[1:]
    port, peer, provider, tenants = int(args[0]), args[1], args[2], args[3:]
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(8)
    stop = threading.Event()
    threading.Thread(target=authoritative, args=(listener, stop), daemon=True).start()
    failed = 0
    streams = [(None, "%s, a header without 'to' (jabberd2 without TLS)" % provider)]
    if not without_to_only:
        streams.append((provider, "%s, a header to it (target multiplexing)" % provider))
    for header_to, label in streams:
        results = []
        try:
            ask(peer, header_to, tenants, results)
        except (EOFError, OSError) as e:
            print("not ok - %s: %s" % (label, e))
            failed += 1
            continue
        for t in tenants:
            got = [r for r in results if r.get("to") == SUT and r.get("from", "").lower() == t]
            if got and got[0].get("type") == "valid":
                print("ok - %s: %s's answer is from %s, valid" % (label, t, t))
            else:
                print("not ok - %s: %s's answer should be from %s; the answers were %r" %
                      (label, t, t, results))
                failed += 1
    stop.set()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
