# c2s.sh: a minimal XMPP client in bash for shell tests (sourced): opens a c2s stream, logs in
# with SASL PLAIN (the test SUT allows it without TLS), binds a resource and sends stanzas.
# Every wait is bounded. fedsim's own c2s client (harness/c2s*) replaces it in scenario tests.
#
#   c2s_login HOST PORT DOMAIN USER PASSWORD     (sets C2S_FD; returns 1 with a message on error)
#   c2s_send XML
#   c2s_expect TEXT [SECONDS]                     (waits until TEXT was received)
#   c2s_close

C2S_FD=
C2S_BUF=
C2S_HEADER_FMT="<?xml version='1.0'?><stream:stream to='%s' xmlns='jabber:client' \
xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"

c2s_send() {
    printf '%s' "$1" >&"$C2S_FD"
}

c2s_expect() {
    local want=$1 deadline=$((SECONDS + ${2:-5})) chunk rc
    while [ $SECONDS -lt $deadline ]; do
        if [[ $C2S_BUF == *"$want"* ]]; then
            C2S_BUF=${C2S_BUF#*"$want"}
            return 0
        fi
        if [[ $C2S_BUF == *"<failure"* || $C2S_BUF == *"</stream:stream>"* ]]; then
            echo "c2s: the server refused: $C2S_BUF" >&2
            return 1
        fi
        rc=0
        IFS= read -r -t 1 -d '>' -u "$C2S_FD" chunk || rc=$?
        if [ $rc -eq 0 ]; then
            C2S_BUF+="$chunk>"
        elif [ $rc -le 128 ]; then
            C2S_BUF+="$chunk"
            echo "c2s: connection closed while waiting for \"$want\"; got: $C2S_BUF" >&2
            return 1
        fi
    done
    echo "c2s: no \"$want\" within ${2:-5}s; got: $C2S_BUF" >&2
    return 1
}

c2s_login() {
    local host=$1 port=$2 domain=$3 user=$4 password=$5 header
    # shellcheck disable=SC2059
    header=$(printf "$C2S_HEADER_FMT" "$domain")
    exec {C2S_FD}<>"/dev/tcp/$host/$port" || return 1
    C2S_BUF=
    c2s_send "$header"
    c2s_expect '</stream:features>' || return 1
    c2s_send "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>$(
        printf '\0%s\0%s' "$user" "$password" | base64 -w0)</auth>"
    c2s_expect '<success' || return 1
    c2s_send "$header"
    c2s_expect '</stream:features>' || return 1
    c2s_send "<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\
<resource>fedsim</resource></bind></iq>"
    c2s_expect "</iq>" || return 1
}

c2s_close() {
    [ -n "$C2S_FD" ] || return 0
    printf '</stream:stream>' >&"$C2S_FD" 2>/dev/null || true
    exec {C2S_FD}>&-
    C2S_FD=
}
