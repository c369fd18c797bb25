/* sendrift: the registry of the models compiled in.
 *
 * The one place that names the models.  It lives above both the core (which
 * knows models only through sd_model_class) and the models themselves (which
 * know nothing of each other): adding a model is its own directory under
 * src/ plus one line here. */
#include <string.h>

#include "sendrift/model.h"

extern const sd_model_class sd_model_ishigami;
extern const sd_model_class sd_model_sobol_g;
extern const sd_model_class sd_model_null;
extern const sd_model_class sd_model_drift;

/* In the order `sendrift models` lists them. */
static const sd_model_class *const sd_models[] = {
    &sd_model_ishigami,
    &sd_model_sobol_g,
    &sd_model_null,
    &sd_model_drift,
};

const sd_model_class *const *sd_model_all(size_t *n)
{
    *n = sizeof sd_models / sizeof sd_models[0];
    return sd_models;
}

const sd_model_class *sd_model_find(const char *name)
{
    size_t n;
    const sd_model_class *const *all = sd_model_all(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(all[i]->name, name) == 0) return all[i];
    return NULL;
}
