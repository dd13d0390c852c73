#!/usr/bin/env bash
# A private network lab for the fault suite (FaultIT): one network namespace per node host, each with a
# veth pair whose other end is a port of a bridge that lives in the lab's own namespace. Faults are nft
# rules on the bridge ports (blackhole, partition, loss) and a queue rule inside a host (delay).
# Nothing is routed outside: the lab's /24 gets an `unreachable` route in the root namespace.
#
#   lab.sh up LAB PREFIX N     LAB: name prefix of every namespace (mnf-<owner pid>-<tag>), PREFIX: a.b.c
#                              (the lab's /24), N hosts: namespaces LAB-n1..LAB-nN at PREFIX.11.., bridge
#                              namespace LAB-br with ports p1..pN
#   lab.sh down LAB PREFIX     kills what runs in the lab's namespaces, deletes them and the route
#   lab.sh sweep               removes the labs (namespaces and routes) of fault-suite runs whose owner
#                              process is gone (a crashed or killed run)
#   lab.sh rules LAB RULE...   replaces the fault rules of the bridge with the given nft rules
#                              (each one argument, e.g. 'iifname "p2" drop'); no RULE clears them
#   lab.sh syns LAB            prints the number of connection attempts (TCP SYN without ACK) the bridge
#                              has forwarded since the lab came up
set -euo pipefail

cmd=${1:?usage: lab.sh up|down|sweep|rules|syns ...}
shift

# nft bridge table on the lab bridge: `faults` holds the current fault rules, `count` counts SYNs.
bridge_table() {
    cat <<NFT
table bridge lab {
    chain count {
        type filter hook forward priority -10; policy accept;
        tcp flags & (syn | ack) == syn counter name syns
    }
    counter syns { }
    chain faults {
        type filter hook forward priority 0; policy accept;
    }
}
NFT
}

case "$cmd" in
up)
    lab=${1:?lab} prefix=${2:?prefix} n=${3:?count}
    ip route add unreachable "$prefix.0/24"
    ip netns add "$lab-br"
    ip -n "$lab-br" link set lo up
    ip -n "$lab-br" link add br0 type bridge
    ip -n "$lab-br" link set br0 up
    for i in $(seq 1 "$n"); do
        ip netns add "$lab-n$i"
        ip -n "$lab-n$i" link set lo up
        ip -n "$lab-br" link add "p$i" type veth peer name eth0 netns "$lab-n$i"
        ip -n "$lab-br" link set "p$i" master br0 up
        ip -n "$lab-n$i" addr add "$prefix.$((10 + i))/24" dev eth0
        ip -n "$lab-n$i" link set eth0 up
    done
    bridge_table | ip netns exec "$lab-br" nft -f -
    ;;
down)
    lab=${1:?lab} prefix=${2:-}
    for ns in $(ip netns list | awk '{print $1}' | grep -E "^$lab-" || true); do
        pids=$(ip netns pids "$ns" 2>/dev/null || true)
        if [[ -n "$pids" ]]; then
            kill -CONT $pids 2>/dev/null || true
            kill -KILL $pids 2>/dev/null || true
        fi
    done
    for ns in $(ip netns list | awk '{print $1}' | grep -E "^$lab-" || true); do
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            [[ -z "$(ip netns pids "$ns" 2>/dev/null || true)" ]] && break
            sleep 0.1
        done
        ip netns delete "$ns" || true
    done
    if [[ -n "$prefix" ]]; then
        ip route del unreachable "$prefix.0/24" 2>/dev/null || true
    fi
    ;;
sweep)
    for lab in $(ip netns list | awk '{print $1}' | grep -oE '^mnf-[0-9]+-[a-z0-9]+' | sort -u); do
        owner=${lab#mnf-}
        owner=${owner%%-*}
        if ! kill -0 "$owner" 2>/dev/null; then
            # the prefix of the lab's route is read from a host's address before the namespaces go
            addr=$(ip -n "$lab-n1" -4 -o addr show dev eth0 2>/dev/null | awk '{print $4}' | cut -d/ -f1 || true)
            echo "lab.sh: removing the leftover lab $lab of a run that is gone (pid $owner)"
            "$0" down "$lab" "${addr%.*}"
        fi
    done
    ;;
rules)
    lab=${1:?lab}
    shift
    {
        echo "flush chain bridge lab faults"
        for rule in "$@"; do
            echo "add rule bridge lab faults $rule"
        done
    } | ip netns exec "$lab-br" nft -f -
    ;;
syns)
    lab=${1:?lab}
    ip netns exec "$lab-br" nft list counter bridge lab syns | awk '/packets/ {print $2}'
    ;;
*)
    echo "lab.sh: unknown command $cmd" >&2
    exit 2
    ;;
esac
