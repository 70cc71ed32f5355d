/*
 * xstate-shim: an LD_PRELOAD library for Debian's User-Mode Linux 6.1 kernel (linux.uml) on hosts whose
 * XSAVE area is larger than UML's fixed buffer (CPUs with AVX-512 or AMX).
 *
 * Why: UML saves and restores its guest processes' FPU state with ptrace(PTRACE_GETREGSET /
 * PTRACE_SETREGSET, NT_X86_XSTATE) using a fixed 832-byte buffer (legacy area + header + AVX). The host
 * kernel truncates a GETREGSET to that size, but refuses a SETREGSET whose size is not the full user
 * xstate size with EFAULT, so the guest's init dies at once ("ptrace set fp regs failed, errno = 14").
 * Newer UML kernels size the buffer from CPUID; Debian bookworm ships 6.1.
 *
 * What: for NT_X86_XSTATE requests only, this shim keeps a full-size copy of the state per caller buffer
 * (UML uses one buffer per guest thread), hands UML the prefix it asked for, and on restore writes the
 * full state back with UML's prefix laid over it. Every other ptrace request passes through untouched.
 * So the state beyond UML's buffer (AVX-512 upper halves, opmasks, AMX tiles) is switched per guest
 * thread as well, instead of leaking between threads.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifndef NT_X86_XSTATE
#define NT_X86_XSTATE 0x202
#endif

#define MAX_XSTATE (64 * 1024)  /* far above any x86 xstate size known (AMX: about 11 KiB) */
#define SLOTS 8192              /* guest threads tracked; past that, restores fall back to a fresh read */

typedef long (*ptrace_fn)(int, pid_t, void *, void *);

static ptrace_fn real_ptrace;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static size_t full_size;                 /* the host's user xstate size, learnt from the first read */
static void *slot_key[SLOTS];
static unsigned char *slot_state[SLOTS];

static unsigned char *slot_for(void *key, int create) {
    size_t h = ((uintptr_t) key >> 4) % SLOTS;
    for (size_t i = 0; i < SLOTS; i++) {
        size_t s = (h + i) % SLOTS;
        if (slot_key[s] == key) return slot_state[s];
        if (slot_key[s] == NULL) {
            if (!create) return NULL;
            unsigned char *buf = malloc(MAX_XSTATE);
            if (buf == NULL) return NULL;
            slot_key[s] = key;
            slot_state[s] = buf;
            return buf;
        }
    }
    return NULL;
}

static long read_full(pid_t pid, unsigned char *into) {
    struct iovec big = { .iov_base = into, .iov_len = MAX_XSTATE };
    long r = real_ptrace(PTRACE_GETREGSET, pid, (void *) (uintptr_t) NT_X86_XSTATE, &big);
    if (r == 0 && full_size == 0) full_size = big.iov_len;
    return r;
}

static long xstate(int req, pid_t pid, struct iovec *iov) {
    static unsigned char scratch[MAX_XSTATE];
    long r;
    pthread_mutex_lock(&lock);
    if (req == PTRACE_GETREGSET) {
        unsigned char *full = slot_for(iov->iov_base, 1);
        if (full == NULL) full = scratch;
        r = read_full(pid, full);
        if (r == 0) {
            size_t n = iov->iov_len < full_size ? iov->iov_len : full_size;
            memcpy(iov->iov_base, full, n);
            iov->iov_len = n;
        }
    } else {
        unsigned char *full = slot_for(iov->iov_base, 0);
        r = 0;
        if (full == NULL || full_size == 0) {
            full = scratch;
            r = read_full(pid, full);
        }
        if (r == 0) {
            size_t n = iov->iov_len < full_size ? iov->iov_len : full_size;
            memcpy(full, iov->iov_base, n);
            struct iovec whole = { .iov_base = full, .iov_len = full_size };
            r = real_ptrace(PTRACE_SETREGSET, pid, (void *) (uintptr_t) NT_X86_XSTATE, &whole);
        }
    }
    pthread_mutex_unlock(&lock);
    return r;
}

long ptrace(enum __ptrace_request request, ...) {
    va_list ap;
    va_start(ap, request);
    pid_t pid = va_arg(ap, pid_t);
    void *addr = va_arg(ap, void *);
    void *data = va_arg(ap, void *);
    va_end(ap);
    if (real_ptrace == NULL) real_ptrace = (ptrace_fn) dlsym(RTLD_NEXT, "ptrace");
    if ((request == PTRACE_GETREGSET || request == PTRACE_SETREGSET)
            && (uintptr_t) addr == NT_X86_XSTATE && data != NULL) {
        return xstate(request, pid, (struct iovec *) data);
    }
    return real_ptrace(request, pid, addr, data);
}
