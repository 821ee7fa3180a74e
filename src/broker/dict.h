/* broker/dict.h - a hash table from byte-string keys to pointers, used for the topic tree's
 * children, sessions by client id and retained messages by topic. Keys are copied. */
#ifndef MOATD_DICT_H
#define MOATD_DICT_H

#include <stddef.h>
#include <stdint.h>

typedef struct moatd_dict moatd_dict;

typedef struct moatd_dict_entry {
    struct moatd_dict_entry *next;
    void *value;
    size_t key_len;
    char key[];  /* key_len bytes + NUL, so string keys can be used as C strings */
} moatd_dict_entry;

moatd_dict *moatd_dict_create(void);
/* Frees the table; values are the caller's to free first (see moatd_dict_next). */
void moatd_dict_free(moatd_dict *d);
void *moatd_dict_get(const moatd_dict *d, const void *key, size_t len);
/* Sets key to value (replacing). Returns the stored entry, NULL when out of memory. */
moatd_dict_entry *moatd_dict_set(moatd_dict *d, const void *key, size_t len, void *value);
/* Removes key; returns its value, or NULL if absent. */
void *moatd_dict_del(moatd_dict *d, const void *key, size_t len);
size_t moatd_dict_count(const moatd_dict *d);
/* Iteration: *bucket = 0 and *e = NULL to start; returns the next entry or NULL at the end.
 * The current entry may not be deleted while iterating. */
moatd_dict_entry *moatd_dict_next(const moatd_dict *d, size_t *bucket, moatd_dict_entry *e);

#endif
