/*
 * xconn.h: one XMPP connection: a bufferevent, the stream parser on its input, the serializer
 * on its output, stream headers, stream errors and closing. Used by the s2s sessions of the fake
 * peers and by the c2s client. Every byte in and out is traced (-T s2s / -T c2s) under the
 * connection's label.
 *
 * Callbacks may call xconn_close() or xconn_free() on their own connection: the free is
 * deferred to the loop. After either call the owner has let go: no more callbacks.
 */
#ifndef FEDSIM_XCONN_H
#define FEDSIM_XCONN_H

#include <event2/bufferevent.h>
#include <openssl/ssl.h>

#include "log.h"
#include "xml.h"
#include "xml_stream.h"

struct xconn;

enum xconn_end {
    XCONN_END_CLOSED,  /* the other side sent </stream:stream> */
    XCONN_END_EOF,     /* TCP closed without a stream close */
    XCONN_END_ERROR,   /* socket error */
    XCONN_END_XML,     /* the other side sent bad XML; the stream error is on its way */
    XCONN_END_TIMEOUT, /* nothing arrived within the idle timeout */
    XCONN_END_LOCAL,   /* we closed it (xconn_close / xconn_stream_error) */
    XCONN_END_TLS,     /* the TLS handshake failed */
};

const char *xconn_end_str(enum xconn_end e);

struct xconn_handler {
    /* The other side's stream header (owned by the callee). */
    void (*open)(struct xconn *c, struct xml_node *header, void *arg);
    /* A stanza (owned by the callee). */
    void (*stanza)(struct xconn *c, struct xml_node *stanza, void *arg);
    /* The connection is over; no more callbacks. msg explains errors. The owner then calls
     * xconn_close() (flushes what is queued, e.g. a stream error) or xconn_free(). */
    void (*end)(struct xconn *c, enum xconn_end why, const char *msg, void *arg);
    /* The TLS handshake started by xconn_starttls() finished (a failure is an end instead). */
    void (*tls)(struct xconn *c, SSL *ssl, void *arg);
    /* Observer mode only (xconn_set_observer): the other side's </stream:stream>; the
     * connection stays open until the other side ends it. after_close: it sent something
     * other than whitespace after it (once). */
    void (*closed)(struct xconn *c, void *arg);
    void (*after_close)(struct xconn *c, void *arg);
};

/*
 * Wraps a connected bufferevent (owned from now on). default_ns is the stream's content
 * namespace (jabber:server or jabber:client). trace: the log category for its bytes.
 */
struct xconn *xconn_new(struct bufferevent *bev, const char *label, const char *default_ns,
                        unsigned trace, const struct xconn_handler *h, void *arg);

/* Frees the connection (deferred to the loop; no callback after this call). */
void xconn_free(struct xconn *c);

/* Closes after the output is flushed, then frees itself. A sent stream header gets its
 * closing tag first; over TLS a close_notify follows, before the TCP close. A close that has
 * not flushed within XCONN_CLOSE_MS is dropped. No callback after this call. */
#define XCONN_CLOSE_MS 5000
void xconn_close(struct xconn *c);

/* Sends a stream error (RFC 6120 §4.9) and closes. A header is sent first if none was. */
void xconn_stream_error(struct xconn *c, const char *condition, const char *text);

/*
 * Sends a stream header. Attributes left NULL are omitted (e.g. no version, like an old
 * Google Talk server). dialback: declare xmlns:db.
 */
void xconn_send_header(struct xconn *c, const char *from, const char *to, const char *id,
                       const char *version, int dialback);

/* Sends a stanza (serialized with db: for dialback), or raw bytes. */
void xconn_send(struct xconn *c, const struct xml_node *stanza);
void xconn_send_raw(struct xconn *c, const char *data, size_t len);

/* Starts a new XML document on the next input (after STARTTLS or SASL success). */
void xconn_restart(struct xconn *c);

/*
 * TLS from the next byte on (STARTTLS, RFC 6120 §5): what is already queued goes out in the
 * clear (a <proceed/>), then the handshake, as the server (accepting) or the client (sni: the
 * name asked for). The stream restarts: the next input is a new document. The handler's tls
 * callback follows the handshake.
 */
void xconn_starttls(struct xconn *c, SSL_CTX *ctx, int accepting, const char *sni);

/* The ALPN protocol the client side of the next handshake offers (XEP-0368: "xmpp-server" on
 * direct TLS); none by default. Call before xconn_starttls(). */
void xconn_set_alpn(struct xconn *c, const char *proto);

/* The connection's SSL once TLS started, or NULL. */
SSL *xconn_ssl(const struct xconn *c);

/*
 * Faults: after `limit` bytes read (0: no limit) the connection is cut, with no stream close:
 * the other side sees the TCP connection end; the owner gets its end callback
 * (XCONN_END_LOCAL, "cut after N bytes"). Rate (0: none) limits what goes out to
 * `bytes_per_s`, in chunks of an eighth of it (a slow or congested link).
 */
void xconn_set_read_limit(struct xconn *c, size_t limit);

/* Interop knobs: the dialback namespace's prefix ("db"; any prefix is legal XML, XEP-0220 §2),
 * xml:lang on stream headers (on by default), the largest stanza accepted (512 KiB; a larger
 * one is a <policy-violation/> stream error). */
void xconn_set_dialback_prefix(struct xconn *c, const char *prefix);
void xconn_set_header_lang(struct xconn *c, int on);
void xconn_set_max_stanza(struct xconn *c, size_t bytes);
void xconn_set_write_rate(struct xconn *c, size_t bytes_per_s);

/* Observer mode, for a connection that only watches what the other side does: its stream
 * close (the handler's closed callback) and input that is not XML (a TLS alert after a failed
 * handshake, bytes after the close) do not end the connection: the rest of the input is read
 * and dropped (traced) until the other side closes TCP (an XCONN_END_EOF or XCONN_END_ERROR
 * end). No stream error of ours is sent. */
void xconn_set_observer(struct xconn *c);

/* Closes the connection when nothing arrives for ms milliseconds (0: never). */
void xconn_set_idle_timeout(struct xconn *c, int ms);

/* A deadline for the whole handshake, which activity does not push back (unlike the idle
 * timeout): when it passes, <connection-timeout/> and an XCONN_END_TIMEOUT end. 0: none. */
void xconn_set_deadline(struct xconn *c, int ms);

/* Every byte read (dir "<<") or written (">>") on any connection, after TLS, with secrets
 * redacted (redact.h), also goes to fn (NULL: nowhere); for transcripts. */
void xconn_set_byte_tap(void (*fn)(const char *label, const char *dir, const char *data, size_t len,
                                   void *arg),
                        void *arg);

/* Frees every connection still alive (closing ones still flushing included), when the loop
 * is about to go: call loop_drain() first to give closes their chance. */
void xconn_abandon_all(void);

const char *xconn_label(const struct xconn *c);
/* 1 once our header went out. */
int xconn_header_sent(const struct xconn *c);

#endif
