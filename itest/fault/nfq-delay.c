/*
 * nfq-delay: holds every packet of an NFQUEUE queue for a fixed time, then accepts it, in arrival order.
 * The fault suite (FaultIT) runs it inside a host's network namespace behind an iptables rule
 * (`-A OUTPUT -p tcp -j NFQUEUE --queue-num Q --queue-bypass`): this kernel has no tc netem.
 *
 *   nfq-delay QUEUE DELAY_MS
 *
 * Prints "nfq-delay ready" once bound; stops on SIGTERM/SIGINT (held packets are then accepted).
 * Single-threaded: packets are only referenced by id (copy mode META), queued in a ring buffer with
 * their due time, and released by a poll() timeout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RING 65536

static uint32_t ids[RING];
static int64_t due[RING];
static unsigned head, tail; /* held packets are [head, tail) */
static int64_t delay_ns;
static unsigned long held_total, dropped_total;
static volatile sig_atomic_t stopping;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int on_packet(struct nfq_q_handle *q, struct nfgenmsg *msg, struct nfq_data *nfa, void *data) {
    (void) msg;
    (void) data;
    struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
    if (ph == NULL) {
        return 0;
    }
    uint32_t id = ntohl(ph->packet_id);
    if (tail - head == RING) { /* full: let it through rather than stall the host */
        dropped_total++;
        return nfq_set_verdict(q, id, NF_ACCEPT, 0, NULL);
    }
    ids[tail % RING] = id;
    due[tail % RING] = now_ns() + delay_ns;
    tail++;
    held_total++;
    return 0;
}

static void release(struct nfq_q_handle *q, int all) {
    int64_t now = now_ns();
    while (head != tail && (all || due[head % RING] <= now)) {
        nfq_set_verdict(q, ids[head % RING], NF_ACCEPT, 0, NULL);
        head++;
    }
}

static void on_signal(int sig) {
    (void) sig;
    stopping = 1;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: nfq-delay QUEUE DELAY_MS\n");
        return 2;
    }
    int queue = atoi(argv[1]);
    delay_ns = (int64_t) atoi(argv[2]) * 1000000;

    struct nfq_handle *h = nfq_open();
    if (h == NULL) {
        perror("nfq_open");
        return 1;
    }
    struct nfq_q_handle *q = nfq_create_queue(h, queue, &on_packet, NULL);
    if (q == NULL) {
        perror("nfq_create_queue");
        return 1;
    }
    if (nfq_set_mode(q, NFQNL_COPY_META, 0) < 0) {
        perror("nfq_set_mode");
        return 1;
    }
    nfq_set_queue_maxlen(q, RING);
    int fd = nfq_fd(h);
    /* a large receive buffer: a burst must not overflow the netlink socket (ENOBUFS) */
    nfnl_rcvbufsiz(nfq_nfnlh(h), 8 * 1024 * 1024);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    printf("nfq-delay ready: queue %d, delay %s ms\n", queue, argv[2]);
    fflush(stdout);

    char buf[65536] __attribute__((aligned));
    while (!stopping) {
        int timeout = -1;
        if (head != tail) {
            int64_t wait = due[head % RING] - now_ns();
            timeout = wait <= 0 ? 0 : (int) ((wait + 999999) / 1000000);
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = poll(&pfd, 1, timeout);
        if (r > 0 && (pfd.revents & POLLIN)) {
            ssize_t len = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            if (len > 0) {
                nfq_handle_packet(h, buf, (int) len);
            } else if (len < 0 && errno == ENOBUFS) {
                fprintf(stderr, "nfq-delay: netlink buffer overrun, packets were lost\n");
            }
        }
        release(q, 0);
    }
    release(q, 1);
    printf("nfq-delay stopped: %lu packets held, %lu passed at once (queue full)\n", held_total, dropped_total);
    nfq_destroy_queue(q);
    nfq_close(h);
    return 0;
}
