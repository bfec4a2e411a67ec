/*
 * dns_fault.h: DNS faults a scenario injects for one name and type (or every type): answer
 * with an rcode (NXDOMAIN, SERVFAIL, REFUSED...), drop the query, delay the answer (UDP),
 * truncate it over UDP, or replace the records. The responder consults them before its zones.
 */
#ifndef FEDSIM_DNS_FAULT_H
#define FEDSIM_DNS_FAULT_H

#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

enum dns_fault_kind {
    DNS_FAULT_RCODE,
    DNS_FAULT_DROP,
    DNS_FAULT_DELAY,
    DNS_FAULT_TRUNCATE,
    DNS_FAULT_REPLACE
};

struct dns_fault {
    ldns_rdf *name; /* owned */
    uint16_t type;  /* 0: every type */
    enum dns_fault_kind kind;
    int rcode;             /* DNS_FAULT_RCODE */
    int delay_ms;          /* DNS_FAULT_DELAY */
    ldns_rr_list *records; /* owned: DNS_FAULT_REPLACE */
    uint32_t ppm;          /* how often it strikes, parts per million (CHANCE_PPM: always) */
    char *stream;          /* owned: the chance stream its draws come from (ppm < always) */
};

struct chance;

struct dns_faults {
    struct dns_fault *f; /* owned */
    size_t n;
    struct chance *chance; /* borrowed: what faults that strike at random draw from */
};

/*
 * Adds a fault (replacing one for the same name and type). type: a mnemonic or "*". value:
 * the rcode name for RCODE, milliseconds for DELAY, master-file lines with absolute names for
 * REPLACE (NULL otherwise). Returns 0 or -1 with the reason in err.
 */
int dns_faults_add(struct dns_faults *fs, const char *name, const char *type,
                   enum dns_fault_kind kind, const char *value, char *err, size_t errlen);

/*
 * The same for a fault that strikes each question with probability ppm / 1000000 (drawn from
 * fs->chance, which must be set, in the stream `stream`: a name stable from run to run, the
 * question as the scenario wrote it); the other questions are answered as without it.
 */
int dns_faults_add_random(struct dns_faults *fs, const char *name, const char *type,
                          enum dns_fault_kind kind, const char *value, uint32_t ppm,
                          const char *stream, char *err, size_t errlen);

/*
 * 1 if fault f (from dns_faults_find) strikes this question: always for one added by
 * dns_faults_add, else by a draw (logged by the generator).
 */
int dns_fault_strikes(const struct dns_faults *fs, const struct dns_fault *f);

/* Removes the faults for name and type ("*" and "all" as the name: every fault). */
void dns_faults_remove(struct dns_faults *fs, const char *name, const char *type);

/* The fault for a question, or NULL. */
const struct dns_fault *dns_faults_find(const struct dns_faults *fs, const ldns_rdf *qname,
                                        uint16_t qtype);

void dns_faults_clear(struct dns_faults *fs);

/* Parses "NXDOMAIN", "SERVFAIL", "REFUSED", "FORMERR", "NOTIMP", "NOERROR" (-1 if unknown). */
int dns_fault_rcode(const char *name);

/* Parses a type mnemonic or "*" (0) into *type; -1 if unknown. */
int dns_fault_type(const char *text, uint16_t *type);

#endif
