/*
 * STAND-IN for libnvidia-ml.so.1 — NOT the NVIDIA driver.
 *
 * A small C library exporting the NVML entry points ORBIT binds, with the same C signatures and
 * struct layouts, so tests and the benchmark exercise the real JNA path on machines without a GPU.
 * Values come from a script file read at every nvmlInit_v2:
 *   $ORBIT_NVML_STANDIN_SCRIPT, else "nvml-standin.txt" beside this library file.
 *
 * Script lines (anything after '#' is ignored):
 *   init_error CODE                 nvmlInit_v2 returns CODE
 *   driver VERSION                  nvmlSystemGetDriverVersion
 *   cuda N                          nvmlSystemGetCudaDriverVersion (e.g. 12040)
 *   gpus N                          device count (defaults fill every field)
 *   gpu I FIELD VALUE...            name|uuid|busid (rest of line), util G M, mem TOTAL FREE USED (bytes),
 *                                   temp C, power MW, limit MW, energy MJ, clocks GRAPHICS SM MEM,
 *                                   reasons MASK, ecc CORRECTED UNCORRECTED, pcie TX RX, replay N,
 *                                   pstate N, proc PID BYTES (repeatable), lost_after N (GPU_IS_LOST
 *                                   once N utilization reads have succeeded), xid CODE AFTER_MS,
 *                                   unsupported FIELD (util|mem|mem_v2|temp|power|limit|energy|clocks|
 *                                   event_reasons|throttle_reasons|ecc|pcie|replay|pstate|procs)
 *                                   fails FIELD CODE (like unsupported, with another NVML return code)
 *
 * Build: gcc -shared -fPIC -O2 -Wl,-soname,libnvidia-ml.so.1 -o DIR/libnvidia-ml.so.1 nvml-standin.c -ldl
 * With -DSTANDIN_MINIMAL it exports only the calls ORBIT requires (nvmlInit_v2, nvmlDeviceGetCount_v2,
 * nvmlDeviceGetHandleByIndex_v2, nvmlDeviceGetName, nvmlDeviceGetUUID) plus nvmlDeviceGetMemoryInfo and
 * nvmlDeviceGetUtilizationRates: an old or cut-down driver, for the optional-call paths.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_GPUS 64
#define MAX_PROCS 16

enum field { F_UTIL, F_MEM, F_MEM_V2, F_TEMP, F_POWER, F_LIMIT, F_ENERGY, F_CLOCKS, F_EVENT_REASONS,
             F_THROTTLE_REASONS, F_ECC, F_PCIE, F_REPLAY, F_PSTATE, F_PROCS, F_COUNT };
static const char *FIELD_NAMES[F_COUNT] = {"util", "mem", "mem_v2", "temp", "power", "limit", "energy", "clocks",
    "event_reasons", "throttle_reasons", "ecc", "pcie", "replay", "pstate", "procs"};

typedef struct {
    char name[96], uuid[96], busid[32];
    unsigned util_gpu, util_mem;
    unsigned long long mem_total, mem_free, mem_used;
    unsigned temp, power_mw, limit_mw;
    unsigned long long energy_mj;
    unsigned clk_graphics, clk_sm, clk_mem;
    unsigned long long reasons, ecc_corr, ecc_uncorr;
    unsigned pcie_tx, pcie_rx, replay;
    int pstate;
    int nprocs;
    unsigned pids[MAX_PROCS];
    unsigned long long pmem[MAX_PROCS];
    int fail[F_COUNT];
    int lost_after, util_reads, is_lost;
    unsigned long long xid, xid_after_ms, events_registered;
    int xid_delivered;
} gpu_t;

static gpu_t gpus[MAX_GPUS];
static int gpu_count, init_error;
static char driver[80];
static int cuda_version;
static struct timespec init_time;
static int event_set_token;

static void defaults(int n) {
    gpu_count = n;
    for (int i = 0; i < n; i++) {
        gpu_t *g = &gpus[i];
        memset(g, 0, sizeof *g);
        snprintf(g->name, sizeof g->name, "Stand-in H100 80GB HBM3");
        snprintf(g->uuid, sizeof g->uuid, "GPU-5a0d1e00-0000-4000-8000-%012d", i);
        snprintf(g->busid, sizeof g->busid, "00000000:%02X:00.0", 0x18 + i);
        g->util_gpu = 50 + i; g->util_mem = 20 + i;
        g->mem_total = 85520809984ULL; g->mem_used = (1ULL << 30) * (10 + i); g->mem_free = g->mem_total - g->mem_used;
        g->temp = 40 + i; g->power_mw = 300000 + 1000 * i; g->limit_mw = 700000;
        g->energy_mj = 123456789ULL + i; g->clk_graphics = 1980; g->clk_sm = 1980; g->clk_mem = 2619;
        g->reasons = 0; g->pcie_tx = 1000 + i; g->pcie_rx = 2000 + i; g->pstate = 0;
        g->lost_after = -1;
    }
}

static int field_id(const char *s) {
    for (int i = 0; i < F_COUNT; i++) if (strcmp(s, FIELD_NAMES[i]) == 0) return i;
    return -1;
}

static void rest_of_line(char *dst, size_t size, const char *src) {
    while (*src == ' ' || *src == '\t') src++;
    snprintf(dst, size, "%s", src);
    size_t len = strlen(dst);
    while (len > 0 && (dst[len - 1] == '\n' || dst[len - 1] == '\r' || dst[len - 1] == ' ')) dst[--len] = 0;
}

static void load_script(void) {
    defaults(1);
    init_error = 0;
    snprintf(driver, sizeof driver, "550.54.15");
    cuda_version = 12040;
    const char *path = getenv("ORBIT_NVML_STANDIN_SCRIPT");
    char buf[4096];
    if (path == NULL || !*path) {
        Dl_info info;
        if (!dladdr((void *) &load_script, &info) || info.dli_fname == NULL) return;
        snprintf(buf, sizeof buf, "%s", info.dli_fname);
        char *slash = strrchr(buf, '/');
        if (slash) snprintf(slash + 1, sizeof buf - (slash + 1 - buf), "nvml-standin.txt");
        else snprintf(buf, sizeof buf, "nvml-standin.txt");
        path = buf;
    }
    FILE *f = fopen(path, "r");
    if (!f) return;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        char *hash = strchr(line, '#');
        if (hash) *hash = 0;
        char key[64] = {0};
        int off = 0;
        if (sscanf(line, "%63s %n", key, &off) < 1) continue;
        char *rest = line + off;
        if (strcmp(key, "init_error") == 0) init_error = atoi(rest);
        else if (strcmp(key, "driver") == 0) rest_of_line(driver, sizeof driver, rest);
        else if (strcmp(key, "cuda") == 0) cuda_version = atoi(rest);
        else if (strcmp(key, "gpus") == 0) { int n = atoi(rest); defaults(n < 0 ? 0 : n > MAX_GPUS ? MAX_GPUS : n); }
        else if (strcmp(key, "gpu") == 0) {
            int i, o2 = 0; char fld[64];
            if (sscanf(rest, "%d %63s %n", &i, fld, &o2) < 2 || i < 0 || i >= gpu_count) continue;
            gpu_t *g = &gpus[i];
            char *v = rest + o2;
            if (!strcmp(fld, "name")) rest_of_line(g->name, sizeof g->name, v);
            else if (!strcmp(fld, "uuid")) rest_of_line(g->uuid, sizeof g->uuid, v);
            else if (!strcmp(fld, "busid")) rest_of_line(g->busid, sizeof g->busid, v);
            else if (!strcmp(fld, "util")) sscanf(v, "%u %u", &g->util_gpu, &g->util_mem);
            else if (!strcmp(fld, "mem")) sscanf(v, "%llu %llu %llu", &g->mem_total, &g->mem_free, &g->mem_used);
            else if (!strcmp(fld, "temp")) sscanf(v, "%u", &g->temp);
            else if (!strcmp(fld, "power")) sscanf(v, "%u", &g->power_mw);
            else if (!strcmp(fld, "limit")) sscanf(v, "%u", &g->limit_mw);
            else if (!strcmp(fld, "energy")) sscanf(v, "%llu", &g->energy_mj);
            else if (!strcmp(fld, "clocks")) sscanf(v, "%u %u %u", &g->clk_graphics, &g->clk_sm, &g->clk_mem);
            else if (!strcmp(fld, "reasons")) g->reasons = strtoull(v, NULL, 0);
            else if (!strcmp(fld, "ecc")) sscanf(v, "%llu %llu", &g->ecc_corr, &g->ecc_uncorr);
            else if (!strcmp(fld, "pcie")) sscanf(v, "%u %u", &g->pcie_tx, &g->pcie_rx);
            else if (!strcmp(fld, "replay")) sscanf(v, "%u", &g->replay);
            else if (!strcmp(fld, "pstate")) sscanf(v, "%d", &g->pstate);
            else if (!strcmp(fld, "proc") && g->nprocs < MAX_PROCS) {
                sscanf(v, "%u %llu", &g->pids[g->nprocs], &g->pmem[g->nprocs]);
                g->nprocs++;
            }
            else if (!strcmp(fld, "lost_after")) sscanf(v, "%d", &g->lost_after);
            else if (!strcmp(fld, "xid")) sscanf(v, "%llu %llu", &g->xid, &g->xid_after_ms);
            else if (!strcmp(fld, "unsupported") || !strcmp(fld, "fails")) {
                char which[64]; int code = 3;
                if (sscanf(v, "%63s %d", which, &code) >= 1) {
                    int id = field_id(which);
                    if (id >= 0) g->fail[id] = !strcmp(fld, "unsupported") ? 3 : code;
                }
            }
        }
    }
    fclose(f);
}

/* ---- the NVML API surface ---- */
typedef int nvmlReturn_t;
typedef gpu_t *nvmlDevice_t;
typedef struct { unsigned gpu, memory; } nvmlUtilization_t;
typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct { unsigned version; unsigned long long total, reserved, free, used; } nvmlMemory_v2_t;
typedef struct { char busIdLegacy[16]; unsigned domain, bus, device, pciDeviceId, pciSubSystemId; char busId[32]; } nvmlPciInfo_t;
typedef struct { unsigned pid; unsigned long long usedGpuMemory; unsigned gpuInstanceId, computeInstanceId; } nvmlProcessInfo_t;
typedef struct { unsigned pid; unsigned long long usedGpuMemory; } nvmlProcessInfo_v1_t;
typedef struct { nvmlDevice_t device; unsigned long long eventType, eventData; unsigned gpuInstanceId, computeInstanceId; } nvmlEventData_t;

#define OK 0
#define ERR_INVALID_ARGUMENT 2
#define ERR_NOT_SUPPORTED 3
#define ERR_INSUFFICIENT_SIZE 7
#define ERR_TIMEOUT 10
#define ERR_GPU_IS_LOST 15
#define ERR_ARGUMENT_VERSION_MISMATCH 25

static int valid(nvmlDevice_t d) { return d >= &gpus[0] && d < &gpus[gpu_count]; }
static int lost(nvmlDevice_t d) { return d->is_lost; }
#define CHECK(dev, field) do { \
        if (!valid(dev)) return ERR_INVALID_ARGUMENT; \
        if (lost(dev)) return ERR_GPU_IS_LOST; \
        if ((dev)->fail[field]) return (dev)->fail[field]; \
    } while (0)

nvmlReturn_t nvmlInit_v2(void) {
    load_script();
    clock_gettime(CLOCK_MONOTONIC, &init_time);
    return init_error;
}
#ifndef STANDIN_MINIMAL
nvmlReturn_t nvmlShutdown(void) { return OK; }

const char *nvmlErrorString(nvmlReturn_t r) {
    switch (r) {
        case 0: return "Success";
        case 1: return "Uninitialized";
        case 2: return "Invalid Argument";
        case 3: return "Not Supported";
        case 4: return "Insufficient Permissions";
        case 7: return "Insufficient Size";
        case 9: return "Driver Not Loaded";
        case 10: return "Timeout";
        case 13: return "Function Not Found";
        case 15: return "GPU is lost";
        case 18: return "RM has detected an NVML/RM version mismatch.";
        case 25: return "Argument version mismatch";
        default: return "Unknown Error";
    }
}

nvmlReturn_t nvmlSystemGetDriverVersion(char *v, unsigned len) { snprintf(v, len, "%s", driver); return OK; }
nvmlReturn_t nvmlSystemGetCudaDriverVersion(int *v) { *v = cuda_version; return OK; }
#endif
nvmlReturn_t nvmlDeviceGetCount_v2(unsigned *n) { *n = (unsigned) gpu_count; return OK; }
nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned i, nvmlDevice_t *d) {
    if (i >= (unsigned) gpu_count) return ERR_INVALID_ARGUMENT;
    *d = &gpus[i];
    return OK;
}
nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t d, char *s, unsigned len) { if (!valid(d)) return 2; snprintf(s, len, "%s", d->uuid); return OK; }
nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t d, char *s, unsigned len) { if (!valid(d)) return 2; snprintf(s, len, "%s", d->name); return OK; }
#ifndef STANDIN_MINIMAL
nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t d, nvmlPciInfo_t *p) {
    if (!valid(d)) return 2;
    memset(p, 0, sizeof *p);
    snprintf(p->busId, sizeof p->busId, "%s", d->busid);
    snprintf(p->busIdLegacy, sizeof p->busIdLegacy, "%s", d->busid + 4);
    return OK;
}
#endif
nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t d, nvmlUtilization_t *u) {
    /* the GPU falls off the bus at the start of a sample: the utilization read is the first of each */
    if (valid(d) && d->lost_after >= 0 && d->util_reads >= d->lost_after) d->is_lost = 1;
    CHECK(d, F_UTIL);
    d->util_reads++;
    u->gpu = d->util_gpu; u->memory = d->util_mem;
    return OK;
}
nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t d, nvmlMemory_t *m) {
    CHECK(d, F_MEM);
    m->total = d->mem_total; m->free = d->mem_free; m->used = d->mem_used;
    return OK;
}
#ifndef STANDIN_MINIMAL
nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t d, nvmlMemory_v2_t *m) {
    CHECK(d, F_MEM_V2);
    if (m->version != 0x02000028) return ERR_ARGUMENT_VERSION_MISMATCH;
    m->total = d->mem_total; m->reserved = 0; m->free = d->mem_free; m->used = d->mem_used;
    return OK;
}
nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t d, int sensor, unsigned *t) {
    CHECK(d, F_TEMP);
    if (sensor != 0) return ERR_INVALID_ARGUMENT;
    *t = d->temp;
    return OK;
}
nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t d, unsigned *p) { CHECK(d, F_POWER); *p = d->power_mw; return OK; }
nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t d, unsigned *p) { CHECK(d, F_LIMIT); *p = d->limit_mw; return OK; }
nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t d, unsigned long long *e) { CHECK(d, F_ENERGY); *e = d->energy_mj; return OK; }
nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t d, int type, unsigned *c) {
    CHECK(d, F_CLOCKS);
    switch (type) {
        case 0: *c = d->clk_graphics; return OK;
        case 1: *c = d->clk_sm; return OK;
        case 2: *c = d->clk_mem; return OK;
        default: return ERR_INVALID_ARGUMENT;
    }
}
nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t d, unsigned long long *r) { CHECK(d, F_EVENT_REASONS); *r = d->reasons; return OK; }
nvmlReturn_t nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t d, unsigned long long *r) { CHECK(d, F_THROTTLE_REASONS); *r = d->reasons; return OK; }
nvmlReturn_t nvmlDeviceGetTotalEccErrors(nvmlDevice_t d, int errorType, int counterType, unsigned long long *n) {
    CHECK(d, F_ECC);
    if (counterType != 0) return ERR_INVALID_ARGUMENT; /* only volatile counts are scripted */
    *n = errorType == 0 ? d->ecc_corr : d->ecc_uncorr;
    return OK;
}
nvmlReturn_t nvmlDeviceGetPcieThroughput(nvmlDevice_t d, int counter, unsigned *v) {
    CHECK(d, F_PCIE);
    *v = counter == 0 ? d->pcie_tx : d->pcie_rx;
    return OK;
}
nvmlReturn_t nvmlDeviceGetPcieReplayCounter(nvmlDevice_t d, unsigned *v) { CHECK(d, F_REPLAY); *v = d->replay; return OK; }
nvmlReturn_t nvmlDeviceGetPerformanceState(nvmlDevice_t d, int *p) { CHECK(d, F_PSTATE); *p = d->pstate; return OK; }
nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v2(nvmlDevice_t d, unsigned *count, nvmlProcessInfo_t *infos) {
    CHECK(d, F_PROCS);
    if (*count < (unsigned) d->nprocs) { *count = (unsigned) d->nprocs; return ERR_INSUFFICIENT_SIZE; }
    for (int i = 0; i < d->nprocs; i++) {
        infos[i].pid = d->pids[i]; infos[i].usedGpuMemory = d->pmem[i];
        infos[i].gpuInstanceId = 0xFFFFFFFF; infos[i].computeInstanceId = 0xFFFFFFFF;
    }
    *count = (unsigned) d->nprocs;
    return OK;
}
nvmlReturn_t nvmlDeviceGetComputeRunningProcesses(nvmlDevice_t d, unsigned *count, nvmlProcessInfo_v1_t *infos) {
    CHECK(d, F_PROCS);
    if (*count < (unsigned) d->nprocs) { *count = (unsigned) d->nprocs; return ERR_INSUFFICIENT_SIZE; }
    for (int i = 0; i < d->nprocs; i++) { infos[i].pid = d->pids[i]; infos[i].usedGpuMemory = d->pmem[i]; }
    *count = (unsigned) d->nprocs;
    return OK;
}

nvmlReturn_t nvmlEventSetCreate(void **set) { *set = &event_set_token; return OK; }
nvmlReturn_t nvmlEventSetFree(void *set) { (void) set; return OK; }
nvmlReturn_t nvmlDeviceRegisterEvents(nvmlDevice_t d, unsigned long long types, void *set) {
    (void) set;
    if (!valid(d)) return ERR_INVALID_ARGUMENT;
    d->events_registered |= types;
    return OK;
}
static long long elapsed_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - init_time.tv_sec) * 1000LL + (now.tv_nsec - init_time.tv_nsec) / 1000000LL;
}
nvmlReturn_t nvmlEventSetWait_v2(void *set, nvmlEventData_t *data, unsigned timeout_ms) {
    (void) set;
    long long deadline = elapsed_ms() + timeout_ms;
    for (;;) {
        long long now = elapsed_ms();
        for (int i = 0; i < gpu_count; i++) {
            gpu_t *g = &gpus[i];
            if (g->xid && !g->xid_delivered && (g->events_registered & 0x8) && now >= (long long) g->xid_after_ms) {
                g->xid_delivered = 1;
                memset(data, 0, sizeof *data);
                data->device = g; data->eventType = 0x8; data->eventData = g->xid;
                data->gpuInstanceId = 0xFFFFFFFF; data->computeInstanceId = 0xFFFFFFFF;
                return OK;
            }
        }
        if (now >= deadline) return ERR_TIMEOUT;
        /* sleep until the earliest undelivered XID or the deadline, like the driver's blocking wait */
        long long wake = deadline;
        for (int i = 0; i < gpu_count; i++) {
            gpu_t *g = &gpus[i];
            if (g->xid && !g->xid_delivered && (g->events_registered & 0x8) && (long long) g->xid_after_ms < wake)
                wake = (long long) g->xid_after_ms;
        }
        if (wake > now) usleep((useconds_t) ((wake - now) * 1000));
    }
}
#endif
