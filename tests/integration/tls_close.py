#!/usr/bin/env python3
"""tls_close.py: how a fedsim peer ends a TLS stream, seen by Python's ssl module (OpenSSL 3,
strict: a TCP close without close_notify is "UNEXPECTED_EOF_WHILE_READING"). The stream ends
right must show </stream:stream>, then a close_notify (recv returns b''), then the TCP close.

usage: tls_close.py MODE ADDR PORT DOMAIN CA_FILE
  direct   TLS from the first byte (XEP-0368, ALPN xmpp-server); we close first:
           our </stream:stream>, then theirs and a close_notify
  starttls STARTTLS, a stream over TLS, then we wait: the peer closes (fedsim serve is
           stopped); prints "open" once the stream is up
Prints "ok - ..." or "not ok - ..." and exits 0 or 1. Every wait is bounded (10 s).
"""
import re
import socket
import ssl
import sys

TIMEOUT = 10.0
HEADER = ("<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
          "xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' "
          "to='%s' version='1.0'>")


def read_until(sock, buf, pattern):
    rx = re.compile(pattern, re.S)
    while not rx.search(buf[0]):
        data = sock.recv(65536)
        if not data:
            raise EOFError("closed while waiting for %s" % pattern)
        buf[0] += data.decode("utf-8", "replace")
    m = rx.search(buf[0])
    buf[0] = buf[0][m.end():]
    return m


def read_to_end(sock):
    """Everything until the stream of records ends; raises ssl.SSLError on an unclean end."""
    got = b""
    while True:
        data = sock.recv(65536)
        if not data:
            return got.decode("utf-8", "replace")
        got += data


def main():
    mode, addr, port, domain, ca = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], \
        sys.argv[5]
    ctx = ssl.create_default_context(cafile=ca)
    ctx.set_alpn_protocols(["xmpp-server"])
    # Strict, as check_xmppng is (it sets the options anew): Python's default context ignores
    # an EOF without close_notify, and wrap_socket suppresses "ragged" EOFs.
    ctx.options &= ~getattr(ssl, "OP_IGNORE_UNEXPECTED_EOF", 0)
    raw = socket.create_connection((addr, port), timeout=TIMEOUT)
    buf = [""]
    try:
        if mode == "direct":
            s = ctx.wrap_socket(raw, server_hostname=domain, suppress_ragged_eofs=False)
        else:
            raw.sendall((HEADER % domain).encode())
            read_until(raw, buf, r"</stream:features>")
            raw.sendall(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
            read_until(raw, buf, r"<proceed[^>]*/>")
            s = ctx.wrap_socket(raw, server_hostname=domain, suppress_ragged_eofs=False)
        buf = [""]
        s.sendall((HEADER % domain).encode())
        read_until(s, buf, r"</stream:features>|<stream:features/>")
        if mode == "direct":
            s.sendall(b"</stream:stream>")
        else:
            print("open", flush=True)
            s.settimeout(30)
        rest = buf[0] + read_to_end(s)
    except ssl.SSLError as e:
        print("not ok - %s %s:%d: the TLS stream did not end with a close_notify: %s" %
              (mode, addr, port, e))
        return 1
    except (EOFError, OSError) as e:
        print("not ok - %s %s:%d: %s" % (mode, addr, port, e))
        return 1
    if "</stream:stream>" not in rest:
        print("not ok - %s %s:%d: a close_notify, but no </stream:stream> before it (got %r)" %
              (mode, addr, port, rest))
        return 1
    print("ok - %s %s:%d (%s): </stream:stream>, then a close_notify, then the TCP close" %
          (mode, addr, port, domain))
    return 0


if __name__ == "__main__":
    sys.exit(main())
