/* broker/dict.c - chained hash table with FNV-1a hashing and power-of-two growth.
 * Growth doubles at load factor 1, so lookups stay O(1) for any number of keys. */
#include "broker/dict.h"

#include <stdlib.h>
#include <string.h>

struct moatd_dict {
    moatd_dict_entry **buckets;
    size_t nbuckets; /* power of two */
    size_t count;
};

static uint64_t hash_bytes(const void *key, size_t len)
{
    const uint8_t *p = key;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

moatd_dict *moatd_dict_create(void)
{
    moatd_dict *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return NULL;
    d->nbuckets = 4;
    d->buckets = calloc(d->nbuckets, sizeof(*d->buckets));
    if (d->buckets == NULL) {
        free(d);
        return NULL;
    }
    return d;
}

void moatd_dict_free(moatd_dict *d)
{
    if (d == NULL)
        return;
    for (size_t i = 0; i < d->nbuckets; i++) {
        moatd_dict_entry *e = d->buckets[i];
        while (e) {
            moatd_dict_entry *n = e->next;
            free(e);
            e = n;
        }
    }
    free(d->buckets);
    free(d);
}

static moatd_dict_entry **find(const moatd_dict *d, const void *key, size_t len)
{
    size_t b = hash_bytes(key, len) & (d->nbuckets - 1);
    moatd_dict_entry **p = &d->buckets[b];
    while (*p && !((*p)->key_len == len && memcmp((*p)->key, key, len) == 0))
        p = &(*p)->next;
    return p;
}

void *moatd_dict_get(const moatd_dict *d, const void *key, size_t len)
{
    moatd_dict_entry *e = *find(d, key, len);
    return e ? e->value : NULL;
}

static void grow(moatd_dict *d)
{
    size_t n = d->nbuckets * 2;
    moatd_dict_entry **nb = calloc(n, sizeof(*nb));
    if (nb == NULL)
        return; /* keep working with longer chains */
    for (size_t i = 0; i < d->nbuckets; i++) {
        moatd_dict_entry *e = d->buckets[i];
        while (e) {
            moatd_dict_entry *next = e->next;
            size_t b = hash_bytes(e->key, e->key_len) & (n - 1);
            e->next = nb[b];
            nb[b] = e;
            e = next;
        }
    }
    free(d->buckets);
    d->buckets = nb;
    d->nbuckets = n;
}

moatd_dict_entry *moatd_dict_set(moatd_dict *d, const void *key, size_t len, void *value)
{
    moatd_dict_entry **p = find(d, key, len);
    if (*p) {
        (*p)->value = value;
        return *p;
    }
    moatd_dict_entry *e = malloc(sizeof(*e) + len + 1);
    if (e == NULL)
        return NULL;
    e->next = NULL;
    e->value = value;
    e->key_len = len;
    memcpy(e->key, key, len);
    e->key[len] = '\0';
    *p = e;
    if (++d->count > d->nbuckets)
        grow(d);
    return e;
}

void *moatd_dict_del(moatd_dict *d, const void *key, size_t len)
{
    moatd_dict_entry **p = find(d, key, len);
    moatd_dict_entry *e = *p;
    if (e == NULL)
        return NULL;
    void *v = e->value;
    *p = e->next;
    free(e);
    d->count--;
    return v;
}

size_t moatd_dict_count(const moatd_dict *d)
{
    return d->count;
}

moatd_dict_entry *moatd_dict_next(const moatd_dict *d, size_t *bucket, moatd_dict_entry *e)
{
    if (e && e->next)
        return e->next;
    size_t b = e ? *bucket + 1 : *bucket;
    for (; b < d->nbuckets; b++) {
        if (d->buckets[b]) {
            *bucket = b;
            return d->buckets[b];
        }
    }
    *bucket = b;
    return NULL;
}
