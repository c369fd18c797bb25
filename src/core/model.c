/* sendrift: lookups in a model's parameter table and in a run's parameter
 * set (the registry of the models is src/models/registry.c). */
#include "sendrift/model.h"

#include <stdlib.h>
#include <string.h>

int sd_model_param(const sd_model_class *m, const char *name, sd_param_def *def)
{
    for (size_t i = 0; i < m->n_params; i++) {
        if (strcmp(m->params[i].name, name) == 0) {
            *def = m->params[i];
            return 1;
        }
    }
    if (m->lookup && m->lookup(name, def)) {
        def->name = name;
        return 1;
    }
    return 0;
}

static const sd_pvalue *sd_paramset_find(const sd_paramset *p, const char *name)
{
    /* Later entries override earlier ones: search from the end. */
    for (size_t i = p->n; i-- > 0;)
        if (strcmp(p->v[i].name, name) == 0) return &p->v[i];
    return NULL;
}

int sd_paramset_has(const sd_paramset *p, const char *name)
{
    return sd_paramset_find(p, name) != NULL;
}

double sd_paramset_real(const sd_paramset *p, const char *name, double def)
{
    const sd_pvalue *v = sd_paramset_find(p, name);
    return v ? v->value : def;
}

const char *sd_paramset_choice(const sd_paramset *p, const char *name, const char *def)
{
    const sd_pvalue *v = sd_paramset_find(p, name);
    return (v && v->choice) ? v->choice : def;
}

void sd_layout_free(sd_layout *l)
{
    free(l->times);
    l->times = NULL;
    l->n_times = 0;
}

int sd_param_family(const char *name, const char *prefix, unsigned long *k)
{
    size_t n = strlen(prefix);
    if (strncmp(name, prefix, n) != 0) return 0;
    const char *d = name + n;
    if (*d < '1' || *d > '9') return 0;
    unsigned long v = 0;
    for (; *d; d++) {
        if (*d < '0' || *d > '9') return 0;
        if (v > 100000000UL) return 0;
        v = v * 10 + (unsigned long)(*d - '0');
    }
    *k = v;
    return 1;
}
