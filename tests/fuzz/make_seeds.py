#!/usr/bin/env python3
"""make_seeds.py: writes the fuzz targets' seed corpora under tests/fuzz/corpus/ (run once;
the output is committed, CI never runs this). Sources: the reference s2s transcripts (not in the
repository: give their directory), the zone files and scenarios of the repository, and
hand-written DNS queries and c2s server replies.

Usage: tests/fuzz/make_seeds.py /work/shared/reference/transcripts
Each seed starts with the control bytes its target reads (see the top of each fuzz_*.c)."""
import os
import re
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
CORPUS = os.path.join(HERE, "corpus")


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def transcript_streams(path):
    """{(conn, direction): bytes} from a transcript: each '[conn N C->S]' line is followed by
    the segment's payload, indented by four spaces."""
    streams, key = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^\S+ \[conn (\d+) (C->S|S->C)\]", line)
            if m:
                key = (int(m.group(1)), m.group(2))
                continue
            if key is not None and line.startswith("    <"):
                streams[key] = streams.get(key, "") + line[4:].rstrip("\n")
                continue
            key = None
    return streams


def xml_and_s2s(transcripts):
    for path in sorted(os.listdir(transcripts)):
        if not path.endswith(".txt"):
            continue
        base = path[:-4]
        streams = transcript_streams(os.path.join(transcripts, path))
        for (conn, direction), text in sorted(streams.items()):
            name = "%s-conn%d-%s" % (base, conn, "c2s" if direction == "C->S" else "s2c")
            # xml_stream: whole, byte by byte, 1..16-byte chunks with restarts after 2 stanzas.
            write("xml_stream", name, b"\x00\x00" + text.encode())
            write("xml_stream", name + "-chunked", b"\x02\x04" + text.encode())
            if direction != "C->S":
                continue
            # s2s: the initiating side's bytes, as if the SUT (sut.test) dialled gmail.test.
            to = re.search(r"<stream:stream[^>]* to='([^']+)'", text)
            frm = re.search(r"<stream:stream[^>]* from='([^']+)'", text)
            if to is None:
                continue
            sut = text.replace(to.group(1), "gmail.test")
            if frm is not None:
                sut = sut.replace(frm.group(1), "sut.test")
            write("s2s", name + "-gtalk", b"\x01\x00\x00\x00" + sut.encode())
            write("s2s", name + "-webex-v1", b"\x04\x01\x02\x00" + sut.encode())
            write("s2s", name + "-cup8-invalid", b"\x08\x00\x03\x00" + sut.encode())
            write("s2s", name + "-gtalk-cut", b"\x01\x00\x03\x02" + sut.encode())
            write("s2s", name + "-sametime-authenticated",
                  b"\x03\x00\x02\x01" + sut.replace("bob@", "jdoe1@").encode())


def s2s_extra():
    hdr = ("<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
           "xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' "
           "from='sut.test' to='gmail.test' version='1.0'>")
    write("s2s", "verify-request", b"\x01\x00\x00\x00" + (hdr +
          "<db:verify from='sut.test' to='gmail.test' id='abc123'>0123456789abcdef</db:verify>"
          "<db:result from='sut.test' to='gmail.test' type='valid'/>"
          "<db:verify from='sut.test' to='gmail.test' id='x' type='valid'/>").encode())
    write("s2s", "starttls", b"\x00\x00\x00\x00" + (hdr +
          "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>\x16\x03\x01\x00\x05hello").encode())
    write("s2s", "collision", b"\x19\x08\x01\x00" + (hdr +
          "<db:result from='sut.test' to='gmail.test'>key</db:result>"
          "<message from='a@sut.test' to='jdoe1@gmail.test'><body>hi</body></message>"
          "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
          "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>bye</text></stream:error>"
          "</stream:stream>").encode())
    write("s2s", "tenants-bidi", b"\x04\x07\x00\x00" + (hdr +
          "<bidi xmlns='urn:xmpp:bidi'/><db:result from='sut.test' to='acme.gmail.test'>k"
          "</db:result><iq type='get' id='p' from='sut.test' to='gmail.test'>"
          "<ping xmlns='urn:xmpp:ping'/></iq><presence from='u@sut.test' "
          "to='jdoe2@gmail.test' type='probe'/><auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' "
          "mechanism='EXTERNAL'>=</auth>").encode())


    # sut.test already authenticated (byte 3): stanzas for the peer's users and autopilot.
    write("s2s", "authenticated-autopilot", b"\x01\x00\x00\x01" + (hdr +
          "<presence from='alice@sut.test' to='jdoe1@gmail.test' type='subscribe'/>"
          "<presence from='alice@sut.test' to='jdoe1@gmail.test' type='subscribed'/>"
          "<presence from='alice@sut.test/r' to='jdoe1@gmail.test' type='probe'/>"
          "<presence from='alice@sut.test/r' to='jdoe2@gmail.test'><show>away</show></presence>"
          "<message from='alice@sut.test/r' to='jdoe1@gmail.test/x' type='chat'><body>hi</body>"
          "</message><message from='alice@sut.test/r' to='nobody@gmail.test'><body>?</body>"
          "</message><iq type='get' id='p1' from='sut.test' to='gmail.test'>"
          "<ping xmlns='urn:xmpp:ping'/></iq><iq type='get' id='d1' from='alice@sut.test/r' "
          "to='gmail.test'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
          "<iq type='set' id='x' from='alice@sut.test/r' to='jdoe1@gmail.test'>"
          "<query xmlns='jabber:iq:version'/></iq>"
          "<presence from='alice@sut.test' to='jdoe1@gmail.test' type='unsubscribe'/>"
          "<presence from='mallory@evil.test' to='jdoe1@gmail.test'/>").encode())


def c2s():
    hdr = ("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
           "xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='sut.test' "
           "version='1.0' xml:lang='en'>")
    mechs = ("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
             "<mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms>"
             "</stream:features>")
    bind = ("<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
            "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session>"
            "</stream:features>")
    login = (hdr + mechs + "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>" + hdr + bind +
             "<iq type='result' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
             "<jid>alice@sut.test/fedsim</jid></bind></iq>"
             "<iq type='result' id='roster1'><query xmlns='jabber:iq:roster'>"
             "<item jid='jdoe1@gmail.test' subscription='both'/></query></iq>"
             "<presence from='alice@sut.test/fedsim'/>"
             "<iq type='result' id='sync1'/>"
             "<iq type='set' id='push1'><query xmlns='jabber:iq:roster'>"
             "<item jid='jdoe2@gmail.test' subscription='none' ask='subscribe'/></query></iq>"
             "<message from='jdoe1@gmail.test/x' to='alice@sut.test/fedsim' type='chat'>"
             "<body>hi</body></message></stream:stream>")
    write("c2s", "plain-login", b"\x02\x00" + login.encode())
    write("c2s", "plain-login-chunked", b"\x06\x02" + login.encode())
    write("c2s", "scram-challenge", b"\x00\x00" + (hdr + mechs +
          "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
          "cj1meWtvK2QybGJiRmdPTlJ2OXFreGRhd0wzcmZjTkhZSlkxWlZ2V1ZzN2oscz1RU1hDUitRNnNlazhiZjky"
          "LGk9NDA5Ng==</challenge>").encode())
    write("c2s", "failure", b"\x00\x01" + (hdr + mechs +
          "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>").encode())
    write("c2s", "starttls-required", b"\x00\x00" + (hdr +
          "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/>"
          "</starttls></stream:features>").encode())
    write("c2s", "stream-error", b"\x00\x00" + (hdr +
          "<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
          "</stream:error>").encode())
    # RFC 5802 §5's exchange (user "user", password "pencil").
    write("c2s", "sasl-rfc5802", b"\x01\x00" +
          b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096\n"
          b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=")
    write("c2s", "sasl-bad-nonce", b"\x01\x00" + b"r=other,s=QSXCR+Q6sek8bf92,i=4096\nv=x")


def name_wire(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def query(qid, name, qtype, flags=0x0100, edns=None, qclass=1, extra=b""):
    msg = struct.pack(">HHHHHH", qid, flags, 1, 0, 0, 1 if edns is not None else 0)
    msg += name_wire(name) + struct.pack(">HH", qtype, qclass) + extra
    if edns is not None:
        size, version, do = edns
        msg += b"\x00" + struct.pack(">HHBBHH", 41, size, 0, version, 0x8000 if do else 0, 0)
    return msg


def dns():
    A, NS, CNAME, SOA, TXT, AAAA, SRV, ANY = 1, 2, 5, 6, 16, 28, 33, 255
    seeds = {
        "srv": query(1, "_xmpp-server._tcp.gmail.test", SRV),
        "srv-edns": query(2, "_xmpp-server._tcp.gmail.test", SRV, edns=(1232, 0, False)),
        "srv-big-udp": query(3, "_xmpp-server._tcp.big.test", SRV),
        "srv-big-edns4096": query(4, "_xmpp-server._tcp.big.test", SRV, edns=(4096, 0, True)),
        "a": query(5, "xmpp.gmail.test", A),
        "aaaa-case": query(6, "XMPP.Gmail.TEST", AAAA),
        "cname-chain": query(7, "one.gmail.test", A),
        "cname-away": query(8, "away.gmail.test", A),
        "nxdomain": query(9, "nothing.gmail.test", A),
        "nodata-ent": query(10, "ent.gmail.test", TXT),
        "refused": query(11, "example.org", A),
        "any": query(12, "gmail.test", ANY),
        "soa": query(13, "gmail.test", SOA),
        "ns": query(14, "gmail.test", NS),
        "badvers": query(15, "gmail.test", A, edns=(1232, 1, False)),
        "chaos": query(16, "version.bind", TXT, qclass=3),
        "notify": query(17, "gmail.test", SOA, flags=0x2000),
        "sut-srv": query(18, "_xmpp-server._tcp.sut.test", SRV),
        "sut-a": query(19, "s2s.sut.test", A),
        "two-questions": struct.pack(">HHHHHH", 20, 0x0100, 2, 0, 0, 0) +
                         name_wire("a.gmail.test") + b"\x00\x01\x00\x01" +
                         name_wire("b.gmail.test") + b"\x00\x01\x00\x01",
        "compressed-loop": struct.pack(">HHHHHH", 21, 0x0100, 1, 0, 0, 0) + b"\xc0\x0c\x00\x01\x00\x01",
        "truncated": query(22, "gmail.test", A)[:-3],
        "response": query(23, "gmail.test", A, flags=0x8100),
        # The differential test's zones (tests/dns/): wildcards, cuts, DNAME, long chains.
        "wildcard": query(24, "foo.wild.diff.test", A),
        "wildcard-cname": query(25, "x.cn.diff.test", A, edns=(1232, 0, False)),
        "wildcard-srv": query(26, "_xmpp-server._tcp.srv.diff.test", SRV),
        "wildcard-ent": query(27, "foo.entwild.diff.test", A),
        "referral": query(28, "www.child.diff.test", A),
        "referral-ds": query(29, "child.diff.test", 43),
        "cname-into-cut": query(30, "tochild.diff.test", A),
        "dname": query(31, "www.dn.diff.test", A),
        "dname-cname": query(32, "www.dn.diff.test", CNAME),
        "cname-long": query(33, "long1.diff.test", A),
        "srv-set-udp": query(34, "_xmpp-server._tcp.big.diff.test", SRV, edns=(600, 0, False)),
        "replaced-name": query(35, "dead.x.gmail.test", AAAA),
    }
    for name, msg in sorted(seeds.items()):
        write("dns_answer", name + "-udp", b"\x00" + msg)
        write("dns_answer", name + "-tcp-faults", b"\x03" + msg)


def zones():
    files = [os.path.join(ROOT, "dnsfixtures", "federation.zone")]
    data = os.path.join(ROOT, "tests", "data")
    files += [os.path.join(data, f) for f in sorted(os.listdir(data)) if f.endswith(".zone")]
    dnsdir = os.path.join(ROOT, "tests", "dns")
    files += [os.path.join(dnsdir, f) for f in sorted(os.listdir(dnsdir)) if f.endswith(".zone")]
    for path in files:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        base = os.path.basename(path)[:-5]
        if len(text) < 4096:
            write("dns_zone", base, b"\x00" + text.encode())
        # Each $ORIGIN section alone, with what comes before the first one ($TTL).
        parts = re.split(r"(?m)^(?=\$ORIGIN )", text)
        for i, part in enumerate(parts[1:]):
            write("dns_zone", "%s-%d" % (base, i + 1), bytes([i & 3]) + (parts[0] + part).encode())


def scenarios():
    picks = [
        "scenarios/seed/gtalk-sut-user-adds-contact.scn",
        "scenarios/seed/webex-message-exchange.scn",
        "scenarios/seed/modern-sut-user-unsubscribes.scn",
        "scenarios/conformance/dns-slow-srv.scn",
        "scenarios/conformance/network-cut-mid-stream.scn",
        "scenarios/conformance/rfc1035-truncated-srv-over-tcp.scn",
        "scenarios/conformance/rfc6120-4.9.3.9-unauthenticated-from.scn",
        "scenarios/conformance/rfc6121-3.1.6-unsolicited-subscribed.scn",
        "scenarios/conformance/tls-required-wrong-name-cert-refused.scn",
        "scenarios/conformance/xep0220-3.1-unsolicited-result-ignored.scn",
        "scenarios/conformance/xep0220-multiplexed-tenants.scn",
        "scenarios/conformance/xep0288-bidi.scn",
        "scenarios/conformance/xep0368-direct-tls-preferred.scn",
        "scenarios/fieldbugs/c09-dns-servfail.scn",
        "scenarios/fieldbugs/c12b-domain-collision-unsolicited.scn",
        "scenarios/fieldbugs/c29-dialback-with-another-prefix.scn",
        "scenarios/fieldbugs/c32-peer-stanza-size-limit.scn",
        "scenarios/fieldbugs/c36-reconnect-storm.scn",
        "scenarios/fieldbugs/c37-probe-flood.scn",
        "scenarios/fieldbugs/c42-black-hole-peer.scn",
        "tests/scenarios/failing/nothing-like-fails.scn",
        "tests/scenarios/failing/xfail-marked.scn",
        "tests/scenarios/report/flood.scn",
    ]
    broken = os.path.join(ROOT, "tests", "scenarios", "broken")
    picks += ["tests/scenarios/broken/" + f for f in sorted(os.listdir(broken))]
    for rel in picks:
        shutil.copyfile(os.path.join(ROOT, rel), os.path.join(CORPUS, "scenario",
                        rel.replace("/", "_")))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_seeds.py TRANSCRIPTS_DIR")
    os.makedirs(os.path.join(CORPUS, "scenario"), exist_ok=True)
    xml_and_s2s(sys.argv[1])
    s2s_extra()
    c2s()
    dns()
    zones()
    scenarios()


if __name__ == "__main__":
    main()
