/* sendrift: where the sweep's ranks sat, recorded in the result file as
 * root attributes (see include/sendrift/placement.h and
 * docs/output-format.md).  They describe the session that last wrote the
 * file: a --resume on other nodes replaces them.  They are the only part of
 * the file that depends on the placement; tools/h5compare.py ignores them,
 * as it ignores when and with what the file was made.
 */
#include <stdio.h>

#include "h5util.h"
#include "resultsimpl.h"
#include "sendrift/error.h"
#include "sendrift/placement.h"

static const char *const sd_placement_attrs[] = {
    "placement",        "placement_ranks",      "placement_nodes",     "placement_ranks_per_sim",
    "placement_groups", "placement_idle_ranks", "placement_nodes_from"};

int sd_results_write_placement(sd_results *r, const sd_placement *pl)
{
    int rc = SD_OK;
    char from[96];
    if (pl->pretend)
        snprintf(from, sizeof from, "%s=%d", SD_RANKS_PER_NODE_ENV, pl->pretend);
    else
        snprintf(from, sizeof from, "MPI_COMM_TYPE_SHARED");
    /* An earlier session's placement (--resume) gives way. */
    for (size_t i = 0; i < sizeof sd_placement_attrs / sizeof *sd_placement_attrs; i++) {
        htri_t has = H5Aexists(r->file, sd_placement_attrs[i]);
        H5TRY(has, "reading the placement attributes");
        if (has) H5TRY(H5Adelete(r->file, sd_placement_attrs[i]), "replacing the placement");
    }
    H5TRY(sd_attr_str(r->file, "placement", pl->text ? pl->text : ""), "writing placement");
    H5TRY(sd_attr_int(r->file, "placement_ranks", pl->ranks), "writing placement_ranks");
    H5TRY(sd_attr_int(r->file, "placement_nodes", pl->nodes), "writing placement_nodes");
    H5TRY(sd_attr_int(r->file, "placement_ranks_per_sim", pl->P),
          "writing placement_ranks_per_sim");
    H5TRY(sd_attr_int(r->file, "placement_groups", pl->groups), "writing placement_groups");
    H5TRY(sd_attr_int(r->file, "placement_idle_ranks", pl->idle),
          "writing placement_idle_ranks");
    H5TRY(sd_attr_str(r->file, "placement_nodes_from", from), "writing placement_nodes_from");
done:
    return rc;
}
