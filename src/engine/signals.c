/* sendrift: stop signals (see src/engine/engine.h).
 *
 * Every rank catches the stop signals, but only the controller acts on them:
 * it hands out no more runs and, once the grace period is over (at once on
 * a second signal), tells the groups still running to abandon their runs.
 */
#include "engine.h"

#include <string.h>
#include <time.h>

volatile sig_atomic_t sd_stop_signal;
volatile sig_atomic_t sd_stop_count;
static const int sd_stop_signals[SD_N_STOP_SIGNALS] = {SIGTERM, SIGUSR1, SIGINT};

static void sd_on_stop_signal(int sig)
{
    if (!sd_stop_signal) sd_stop_signal = sig;
    if (sd_stop_count < 2) sd_stop_count++;
}

double sd_grace(const sd_sweep_opts *o) { return sd_stop_count >= 2 ? 0.0 : o->grace; }

void sd_signals_install(struct sigaction old[SD_N_STOP_SIGNALS])
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = sd_on_stop_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < SD_N_STOP_SIGNALS; i++) sigaction(sd_stop_signals[i], &sa, &old[i]);
}

void sd_sweep_catch_signals(void)
{
    struct sigaction old[SD_N_STOP_SIGNALS];
    sd_signals_install(old);
}

void sd_signals_restore(const struct sigaction old[SD_N_STOP_SIGNALS])
{
    for (size_t i = 0; i < SD_N_STOP_SIGNALS; i++) sigaction(sd_stop_signals[i], &old[i], NULL);
}

const char *sd_signal_name(int sig)
{
    switch (sig) {
    case SIGTERM: return "SIGTERM";
    case SIGUSR1: return "SIGUSR1";
    case SIGINT: return "SIGINT";
    default: return "a signal";
    }
}

void sd_nap(long *ns, long max)
{
    struct timespec ts = {0, *ns};
    nanosleep(&ts, NULL);
    if (*ns < max) *ns *= 2;
}

