/* bench_tls_handshake.c - full mutual-TLS handshakes (TCP connect + handshake + close) in a
 * loop against a server on 127.0.0.1, for bench/tls.sh. Prints one line:
 *   handshakes=N seconds=S per_second=R bytes_out=B bytes_in=B se_signs=K
 * usage: bench_tls_handshake PORT CAFILE CERT KEY_LOCATOR SECONDS */
#include <stdio.h>
#include <stdlib.h>

#include "moat/posix_tcp.h"
#include "moat/se.h"
#include "moat/tls.h"

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s PORT CAFILE CERT KEY_LOCATOR SECONDS\n", argv[0]);
        return 2;
    }
    uint16_t port = (uint16_t)atoi(argv[1]);
    uint32_t budget_ms = (uint32_t)atoi(argv[5]) * 1000u;
    char err[256];
    moat_se *key;
    if (moat_se_open(argv[4], 0, &key, err, sizeof err) != MOAT_SE_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    moat_tls_config cfg = {.ca_file = argv[2], .cert_file = argv[3], .key = key,
                           .server_name = "localhost", .now_ms = moat_posix_now_ms};
    uint32_t start = moat_posix_now_ms(), n = 0;
    uint64_t out = 0, in = 0;
    while (moat_posix_now_ms() - start < budget_ms) {
        moat_posix_tcp tcp;
        moat_transport lower;
        moat_posix_tcp_init(&tcp);
        if (moat_posix_tcp_connect(&tcp, "127.0.0.1", port, 3000) != MOAT_POSIX_TCP_OK) {
            fprintf(stderr, "%s\n", tcp.error);
            return 1;
        }
        moat_posix_tcp_transport(&tcp, &lower);
        moat_tls *tls;
        if (moat_tls_connect(&tls, &lower, &cfg) != MOAT_TLS_OK) {
            fprintf(stderr, "%s\n", moat_tls_explain(tls));
            return 1;
        }
        out += moat_tls_get_info(tls)->bytes_sent;
        in += moat_tls_get_info(tls)->bytes_received;
        moat_tls_free(tls);
        moat_posix_tcp_close(&tcp);
        n++;
    }
    double secs = (moat_posix_now_ms() - start) / 1000.0;
    printf("handshakes=%u seconds=%.2f per_second=%.1f bytes_out=%llu bytes_in=%llu "
           "se_signs=%u\n",
           n, secs, n / secs, (unsigned long long)(n ? out / n : 0),
           (unsigned long long)(n ? in / n : 0), key->counters.sign);
    moat_se_close(key);
    return 0;
}
