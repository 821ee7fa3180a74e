/* broker/auth_default.c - the default auth layer: allow all on TCP; on TLS require that
 * OpenSSL verified the client's chain against --cafile when a certificate is required. */
#include <stdio.h>

#include "broker/log.h"
#include "broker/server.h"

const char *moatd_action_name(moatd_action a)
{
    switch (a) {
    case MOATD_ACT_CONNECT: return "connect";
    case MOATD_ACT_PUBLISH: return "publish";
    case MOATD_ACT_SUBSCRIBE: return "subscribe";
    case MOATD_ACT_RECEIVE: return "receive";
    case MOATD_ACT_RETAIN: return "retain";
    }
    return "?";
}

static bool default_tls_verified(void *ctx, moatd_conn_info *info, char reason[256])
{
    /* OpenSSL already failed handshakes whose chain does not verify (SSL_VERIFY_PEER); this
     * is the explicit check an identity layer replaces with its registry lookup. */
    if (info->chain_count > 0 && !info->peer_verified) {
        snprintf(reason, 256, "client certificate not verified by --cafile");
        return false;
    }
    return true;
}

static const moatd_auth default_auth = {
    .ctx = NULL,
    .on_tls_verified = default_tls_verified,
};

const moatd_auth *moatd_auth_default(void)
{
    return &default_auth;
}

void moatd_server_set_auth(moatd_server *srv, const moatd_auth *auth)
{
    srv->auth = *auth;
}

bool moatd_authorize(moatd_server *srv, const moatd_conn *c, moatd_action a, const char *topic)
{
    if (srv->auth.authorize == NULL)
        return true;
    moatd_conn_info info;
    moatd_conn_info_fill(c, &info);
    char reason[256] = "";
    if (srv->auth.authorize(srv->auth.ctx, &info, a, topic, reason))
        return true;
    srv->stats.denials++;
    moatd_log_deny(info.client_id, c->addr, moatd_action_name(a), topic,
                   reason[0] ? reason : "denied by policy");
    return false;
}
