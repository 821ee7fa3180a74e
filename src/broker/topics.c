/* broker/topics.c - the subscription tree. Each node is one filter level with its exact-name
 * children in a hash table plus '+' and '#' children, so matching costs O(levels), not O(subs). */
#include "broker/topics.h"

#include <stdlib.h>
#include <string.h>

#include "broker/dict.h"
#include "moat/mqtt_codec.h"

typedef struct node {
    struct node *parent;
    moatd_dict *children;  /* level string -> node; created on first child */
    struct node *plus;
    struct node *hash;
    moatd_match *subs;     /* owners subscribed to the filter ending at this node */
    size_t nsubs, capsubs;
    const char *key;       /* this node's level: its key in the parent's dict (owned by the
                              dict entry); NULL for '+'/'#'/root */
    size_t key_len;
} node;

struct moatd_topics {
    node root;
    bool hash_parent;
    size_t count;
};

moatd_topics *moatd_topics_create(bool hash_matches_parent)
{
    moatd_topics *t = calloc(1, sizeof(*t));
    if (t)
        t->hash_parent = hash_matches_parent;
    return t;
}

static void destroy_node(node *n);

/* Frees what a node owns: its children (recursively), subscriptions and key. */
static void free_contents(node *n)
{
    if (n->children) {
        size_t b = 0;
        for (moatd_dict_entry *e = moatd_dict_next(n->children, &b, NULL); e;
             e = moatd_dict_next(n->children, &b, e))
            destroy_node(e->value);
        moatd_dict_free(n->children);
    }
    if (n->plus)
        destroy_node(n->plus);
    if (n->hash)
        destroy_node(n->hash);
    free(n->subs);
}

static void destroy_node(node *n)
{
    free_contents(n);
    free(n);
}

void moatd_topics_free(moatd_topics *t)
{
    if (t == NULL)
        return;
    free_contents(&t->root);
    free(t);
}

/* Length of the level starting at s[0..len): up to the next '/' or the end. */
static size_t level_len(const char *s, size_t len)
{
    const char *slash = memchr(s, '/', len);
    return slash ? (size_t)(slash - s) : len;
}

static node *child_for(node *n, const char *lvl, size_t ll, bool create)
{
    node **slot = NULL;
    if (ll == 1 && lvl[0] == '+')
        slot = &n->plus;
    else if (ll == 1 && lvl[0] == '#')
        slot = &n->hash;
    if (slot) {
        if (*slot == NULL && create) {
            *slot = calloc(1, sizeof(node));
            if (*slot)
                (*slot)->parent = n;
        }
        return *slot;
    }
    node *c = n->children ? moatd_dict_get(n->children, lvl, ll) : NULL;
    if (c || !create)
        return c;
    if (n->children == NULL && (n->children = moatd_dict_create()) == NULL)
        return NULL;
    c = calloc(1, sizeof(node));
    if (c == NULL)
        return NULL;
    c->parent = n;
    moatd_dict_entry *e = moatd_dict_set(n->children, lvl, ll, c);
    if (e == NULL) {
        free(c);
        return NULL;
    }
    c->key = e->key;
    c->key_len = ll;
    return c;
}

/* Walks (or builds) the path of a filter; returns its last node. */
static node *find_node(moatd_topics *t, const char *f, size_t len, bool create)
{
    node *n = &t->root;
    size_t pos = 0;
    for (;;) {
        size_t ll = level_len(f + pos, len - pos);
        n = child_for(n, f + pos, ll, create);
        if (n == NULL || pos + ll >= len)
            return n;
        pos += ll + 1;
    }
}

static moatd_match *find_sub(node *n, const moatd_sub_owner *owner)
{
    for (size_t i = 0; i < n->nsubs; i++) {
        if (n->subs[i].owner == owner)
            return &n->subs[i];
    }
    return NULL;
}

/* Makes room for one more entry in a growing array of matches (doubling from `first`).
 * Returns 0, or -1 when out of memory (the array is then unchanged). */
static int reserve_match(moatd_match **v, size_t used, size_t *cap, size_t first)
{
    if (used < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : first;
    moatd_match *nv = realloc(*v, c * sizeof(*nv));
    if (nv == NULL)
        return -1;
    *v = nv;
    *cap = c;
    return 0;
}

int moatd_topics_subscribe(moatd_topics *t, const char *filter, size_t len,
                           moatd_sub_owner *owner, uint8_t qos)
{
    node *n = find_node(t, filter, len, true);
    if (n == NULL)
        return -1;
    moatd_match *m = find_sub(n, owner);
    if (m) {
        m->qos = qos; /* MQTT-3.8.4-3: a repeated filter replaces the subscription */
        return 0;
    }
    if (reserve_match(&n->subs, n->nsubs, &n->capsubs, 2) != 0)
        return -1;
    n->subs[n->nsubs++] = (moatd_match){owner, qos};
    t->count++;
    return 1;
}

static bool node_empty(const node *n)
{
    return n->nsubs == 0 && n->plus == NULL && n->hash == NULL &&
           (n->children == NULL || moatd_dict_count(n->children) == 0);
}

/* Removes nodes left without subscriptions or children, from the leaf up. */
static void prune(moatd_topics *t, node *n)
{
    while (n != &t->root && node_empty(n)) {
        node *p = n->parent;
        if (p->plus == n)
            p->plus = NULL;
        else if (p->hash == n)
            p->hash = NULL;
        else
            moatd_dict_del(p->children, n->key, n->key_len);
        if (p->children && moatd_dict_count(p->children) == 0) {
            moatd_dict_free(p->children);
            p->children = NULL;
        }
        destroy_node(n);
        n = p;
    }
}

int moatd_topics_unsubscribe(moatd_topics *t, const char *filter, size_t len,
                             moatd_sub_owner *owner)
{
    node *n = find_node(t, filter, len, false);
    moatd_match *m = n ? find_sub(n, owner) : NULL;
    if (m == NULL)
        return 0;
    *m = n->subs[--n->nsubs];
    t->count--;
    prune(t, n);
    return 1;
}

static int add_matches(moatd_matches *out, const node *n)
{
    for (size_t i = 0; i < n->nsubs; i++) {
        moatd_sub_owner *o = n->subs[i].owner;
        uint8_t q = n->subs[i].qos;
        if (o->match_gen == out->gen) {
            /* MQTT-3.3.5-1: overlapping filters deliver once, at the highest QoS */
            if (out->v[o->match_idx].qos < q)
                out->v[o->match_idx].qos = q;
            continue;
        }
        if (reserve_match(&out->v, out->n, &out->cap, 16) != 0)
            return -1;
        o->match_gen = out->gen;
        o->match_idx = (uint32_t)out->n;
        out->v[out->n++] = (moatd_match){o, q};
    }
    return 0;
}

static int match_from(const moatd_topics *t, const node *n, const char *s, size_t len,
                      bool first, bool done, moatd_matches *out)
{
    if (done) {
        int rc = add_matches(out, n);
        /* MQTT-4.7.1-2: "sport/#" also matches "sport"; AWS IoT does not (aws_iot 6.3) */
        if (rc == 0 && t->hash_parent && n->hash && n != &t->root)
            rc = add_matches(out, n->hash);
        return rc;
    }
    size_t ll = level_len(s, len);
    bool last = ll == len;
    /* MQTT-4.7.2-1: wildcards at the first level never match a '$' topic */
    bool wild_ok = !(first && len > 0 && s[0] == '$');
    if (wild_ok && n->hash && add_matches(out, n->hash) < 0)
        return -1;
    const char *rest = last ? s + ll : s + ll + 1;
    size_t rlen = last ? 0 : len - ll - 1;
    if (wild_ok && n->plus && match_from(t, n->plus, rest, rlen, false, last, out) < 0)
        return -1;
    const node *c = n->children ? moatd_dict_get(n->children, s, ll) : NULL;
    if (c && match_from(t, c, rest, rlen, false, last, out) < 0)
        return -1;
    return 0;
}

int moatd_topics_match(moatd_topics *t, const char *topic, size_t len, moatd_matches *out)
{
    /* One counter for all match sets: an owner's stamp can never equal a fresh generation. */
    static uint64_t generation;
    out->n = 0;
    out->gen = ++generation;
    return match_from(t, &t->root, topic, len, true, false, out);
}

void moatd_matches_free(moatd_matches *m)
{
    free(m->v);
    m->v = NULL;
    m->n = m->cap = 0;
}

size_t moatd_topics_count(const moatd_topics *t)
{
    return t->count;
}

bool moatd_topic_filter_matches(bool hash_matches_parent, const char *filter, size_t flen,
                                const char *topic, size_t tlen)
{
    if (!hash_matches_parent && flen >= 2 && filter[flen - 1] == '#' &&
        filter[flen - 2] == '/' && tlen == flen - 2 && memcmp(filter, topic, tlen) == 0)
        return false; /* AWS: "sport/#" does not match "sport" */
    return moat_mqtt_topic_matches((const uint8_t *)filter, flen, (const uint8_t *)topic, tlen);
}
