/* zoo.c: the zoo's domains (zoo.h); what a correct server does with each: docs/zoo.md. */
#include "zoo.h"

const struct zoo_domain zoo_domains[] = {
        {"valid.zoo.test", "modern,direct_tls=no,tls=optional", NULL, 0, "nothing: the control"},
        {"self-signed.zoo.test", "modern,direct_tls=no,tls=optional,cert=self-signed", NULL, 0,
         "a self-signed certificate"},
        {"expired.zoo.test", "modern,direct_tls=no,tls=optional,cert=expired", NULL, 0,
         "an expired certificate"},
        {"wrong-name.zoo.test", "modern,direct_tls=no,tls=optional,cert=wrong-name", NULL, 0,
         "a certificate for another name"},
        {"missing-chain.zoo.test", "modern,direct_tls=no,tls=optional,cert=untrusted", NULL, 0,
         "a certificate whose issuer the SUT cannot find"},
        {"server-auth-only.zoo.test", "modern,direct_tls=no,tls=optional,cert=server-auth-only",
         NULL, 0, "a certificate with extendedKeyUsage serverAuth only"},
        {"no-sasl.zoo.test", "modern,direct_tls=no,tls=optional,sasl=none", NULL, 0,
         "TLS without SASL EXTERNAL: dialback after STARTTLS"},
        {"no-service.zoo.test", NULL, NULL, 0, "no SRV record, nothing listens on 5269"},
        {"ipv6-only.zoo.test", "modern,direct_tls=no,tls=optional", NULL, 0,
         "reachable over IPv6 only ([::1]:5396)"},
        {"dialback-only.zoo.test", "gtalk,version=1.0,features=dialback", NULL, 0,
         "plain TCP and dialback only, no STARTTLS"},
        {"tls-required.zoo.test", "modern,direct_tls=no,tls=required", NULL, 0,
         "STARTTLS required"},
        {"black-hole.zoo.test", "webex", "drops connections", 0, "SYNs dropped: connects time out"},
        {"resets.zoo.test", "webex", "resets connections", 0, "every connection reset"},
        {"slow.zoo.test", "webex", "writes slowly", 0, "writes 512 bytes/s, 64 at a time"},
        {"dot-srv.zoo.test", NULL, NULL, 0, "SRV target \".\": no service (RFC 2782)"},
        {"reconnect.zoo.test", "webex", "times out its streams", 5,
         "closes every stream with <connection-timeout/> every 5 s"},
};

const size_t zoo_ndomains = sizeof(zoo_domains) / sizeof(zoo_domains[0]);
