/* seccomp-try FILTER CALL...: installs the classic BPF program in file FILTER (struct
 * sock_filter[], host order) with no_new_privs, then makes each CALL, "x86_64:NR",
 * "x32:NR" (NR | 0x40000000 through `syscall`) or "i386:NR" (int 0x80, which the kernel
 * reports as AUDIT_ARCH_I386), every argument -1, and prints one line per call:
 * "CALL RESULT" where RESULT is -errno or the return value. Before the filter it prints
 * "i386 ok" or "i386 unavailable" (int 0x80 killed a test child: no IA-32 emulation).
 * Only write and exit_group are needed after the filter is in. x86_64 only.
 * Build: gcc -O2 -Wall -Werror -o seccomp-try seccomp-try.c */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long i386_call(long nr) {
  long ret;
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(-1L), "c"(-1L), "d"(-1L), "S"(-1L), "D"(-1L) : "memory");
  /* The 32-bit result, sign-extended. */
  return (long)(int)ret;
}

static int i386_works(void) {
  pid_t pid = fork();
  if (pid < 0) return 0;
  if (pid == 0) _exit(i386_call(20 /* getpid */) > 0 ? 0 : 1);
  int status;
  if (waitpid(pid, &status, 0) != pid) return 0;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(int argc, char** argv) {
  static struct sock_filter insns[4096];
  static char out[1 << 16];
  if (argc < 2) return 2;
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) {
    perror(argv[1]);
    return 2;
  }
  ssize_t n = read(fd, insns, sizeof insns);
  close(fd);
  if (n <= 0 || n % sizeof insns[0] != 0) {
    fprintf(stderr, "bad filter file\n");
    return 2;
  }
  int have_i386 = i386_works();

  /* Parse every call before the filter: afterwards only the calls and write/exit_group. */
  int calls = argc - 2;
  long nrs[256];
  char abis[256];
  if (calls > 256) return 2;
  for (int i = 0; i < calls; i++) {
    char* colon = strchr(argv[i + 2], ':');
    if (!colon) return 2;
    *colon = 0;
    abis[i] = strcmp(argv[i + 2], "x86_64") == 0 ? 'q'
              : strcmp(argv[i + 2], "x32") == 0  ? 'x'
              : strcmp(argv[i + 2], "i386") == 0 ? 'i'
                                                 : 0;
    if (!abis[i]) return 2;
    nrs[i] = strtol(colon + 1, NULL, 0);
  }
  size_t len = (size_t)snprintf(out, sizeof out, "i386 %s\n", have_i386 ? "ok" : "unavailable");

  struct sock_fprog prog = {.len = (unsigned short)(n / sizeof insns[0]), .filter = insns};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    perror("no_new_privs");
    return 2;
  }
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
    perror("seccomp");
    return 2;
  }

  for (int i = 0; i < calls; i++) {
    long r;
    if (abis[i] == 'i') {
      if (!have_i386) continue;
      r = i386_call(nrs[i]);
    } else {
      long nr = abis[i] == 'x' ? (nrs[i] | 0x40000000L) : nrs[i];
      r = syscall(nr, -1L, -1L, -1L, -1L, -1L, -1L);
      if (r == -1) r = -errno;
    }
    const char* abi = abis[i] == 'q' ? "x86_64" : abis[i] == 'x' ? "x32" : "i386";
    /* snprintf into a static buffer makes no syscalls. */
    len += (size_t)snprintf(out + len, sizeof out - len, "%s:%ld %ld\n", abi, nrs[i], r);
    if (len >= sizeof out) return 2;
  }
  for (size_t done = 0; done < len;) {
    ssize_t w = write(1, out + done, len - done);
    if (w <= 0) syscall(SYS_exit_group, 3);
    done += (size_t)w;
  }
  syscall(SYS_exit_group, 0);
  return 0;
}
