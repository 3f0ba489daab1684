/* probe: run as a container's process; prints what it sees as one JSON object (one line).
 *   probe                   full report; unreadable fields (e.g. no /proc) are null
 *   probe sysctl KEY...     full report with "sysctl":{"KEY":"value of /proc/sys/KEY" or null}
 *   probe stat PATH...      {"PATH":{"type","mode","major","minor","uid","gid"[,"target"]} or {"error":"ENOENT"}}
 *   probe write PATH TEXT   {"ok":true} or {"ok":false,"errno":"EROFS"} (exit 0 either way)
 *   probe sleep SECONDS     sleeps; on TERM/INT/HUP/QUIT/USR1/USR2 prints {"signal":N}, exits 128+N
 *   probe notify MESSAGE    sends MESSAGE as one datagram to the unix socket $NOTIFY_SOCKET (sd_notify)
 *                           {"ok":true} or {"ok":false,"errno":"ENOENT"} (exit 0 either way)
 *   probe mempolicy         {"mode":N,"nodes":[N...]} from get_mempolicy (mode with its MPOL_F_* flags)
 *                           or {"errno":"ENOSYS"}
 *   probe clocks            {"monotonic":S,"boottime":S,"timensOffsets":TEXT|null}: whole seconds of
 *                           both clocks and /proc/self/timens_offsets
 *   probe exit N            exits with status N
 *   probe sched             {"policy","flags","nice","priority","runtime","deadline","period","ioprio",
 *                            "cpus":"0-1" (sched_getaffinity),"personality"} as the kernel reports them
 * Build: gcc -static -O2 -Wall -Werror -o probe probe.c
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

extern char** environ;

static void jstr(const char* s) {
  putchar('"');
  for (const unsigned char* p = (const unsigned char*)s; *p; p++) {
    switch (*p) {
      case '"':
        fputs("\\\"", stdout);
        break;
      case '\\':
        fputs("\\\\", stdout);
        break;
      case '\n':
        fputs("\\n", stdout);
        break;
      case '\t':
        fputs("\\t", stdout);
        break;
      case '\r':
        fputs("\\r", stdout);
        break;
      default:
        if (*p < 0x20 || *p == 0x7f)
          printf("\\u%04x", *p);
        else
          putchar(*p);
    }
  }
  putchar('"');
}

static void jkey(const char* k) {
  jstr(k);
  putchar(':');
}
static void jnull(void) { fputs("null", stdout); }
static void jstr_or_null(const char* s) {
  if (s)
    jstr(s);
  else
    jnull();
}

static const char* errname(int e) {
  static char buf[32];
  const char* n = strerrorname_np(e);
  if (n) return n;
  snprintf(buf, sizeof buf, "E%d", e);
  return buf;
}

/* Read a whole file into a NUL-terminated malloc'd buffer; NULL on failure. */
static char* slurp(const char* path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  size_t cap = 4096, len = 0;
  char* buf = malloc(cap);
  for (;;) {
    if (len + 1 >= cap) buf = realloc(buf, cap *= 2);
    ssize_t n = read(fd, buf + len, cap - len - 1);
    if (n < 0) {
      if (errno == EINTR) continue;
      free(buf);
      close(fd);
      return NULL;
    }
    if (n == 0) break;
    len += (size_t)n;
  }
  close(fd);
  buf[len] = 0;
  return buf;
}

/* Value of "Key:\t..." in /proc/self/status (trimmed), or NULL. */
static const char* status_field(const char* status, const char* key, char* out, size_t outlen) {
  if (!status) return NULL;
  size_t kl = strlen(key);
  for (const char* l = status; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
    if (strncmp(l, key, kl) == 0 && l[kl] == ':') {
      const char* v = l + kl + 1;
      while (*v == ' ' || *v == '\t') v++;
      size_t n = strcspn(v, "\n");
      if (n >= outlen) n = outlen - 1;
      memcpy(out, v, n);
      out[n] = 0;
      return out;
    }
  }
  return NULL;
}

static void status_num(const char* status, const char* key) {
  char v[64];
  fputs(status_field(status, key, v, sizeof v) ? v : "null", stdout);
}

/* Decode mountinfo octal escapes (\040 etc.) in place. */
static char* unescape(char* s) {
  char *r = s, *w = s;
  while (*r) {
    if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' && r[3] <= '7')
      *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0')), r += 4;
    else
      *w++ = *r++;
  }
  *w = 0;
  return s;
}

static void jsplit(char* s, const char* sep) {
  putchar('[');
  int first = 0;
  for (char *save, *t = strtok_r(s, sep, &save); t; t = strtok_r(NULL, sep, &save)) {
    if (first++) putchar(',');
    jstr(t);
  }
  putchar(']');
}

static void print_mounts(void) {
  char* mi = slurp("/proc/self/mountinfo");
  if (!mi) {
    jnull();
    return;
  }
  putchar('[');
  int first = 0;
  for (char *save, *line = strtok_r(mi, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    /* id parent major:minor root mountpoint options [optional...] - fstype source superoptions */
    char* f[64];
    int n = 0;
    for (char *s2, *t = strtok_r(line, " ", &s2); t && n < 64; t = strtok_r(NULL, " ", &s2)) f[n++] = t;
    int dash = -1;
    for (int i = 6; i < n; i++)
      if (strcmp(f[i], "-") == 0) {
        dash = i;
        break;
      }
    if (n < 6 || dash < 0 || dash + 3 > n) continue;
    if (first++) putchar(',');
    printf("{\"id\":%s,\"parent\":%s,", f[0], f[1]);
    jkey("root");
    jstr(unescape(f[3]));
    putchar(',');
    jkey("mountPoint");
    jstr(unescape(f[4]));
    putchar(',');
    jkey("options");
    jsplit(f[5], ",");
    putchar(',');
    jkey("optional");
    putchar('[');
    for (int i = 6; i < dash; i++) {
      if (i > 6) putchar(',');
      jstr(f[i]);
    }
    fputs("],", stdout);
    jkey("fstype");
    jstr(f[dash + 1]);
    putchar(',');
    jkey("source");
    jstr(unescape(f[dash + 2]));
    putchar(',');
    jkey("superOptions");
    if (dash + 3 < n)
      jsplit(f[dash + 3], ",");
    else
      fputs("[]", stdout);
    putchar('}');
  }
  putchar(']');
  free(mi);
}

static void print_namespaces(void) {
  static const char* ns[] = {"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "time_for_children",
                             "user",   "uts"};
  putchar('{');
  for (size_t i = 0; i < sizeof ns / sizeof *ns; i++) {
    char path[64], link[128];
    snprintf(path, sizeof path, "/proc/self/ns/%s", ns[i]);
    ssize_t n = readlink(path, link, sizeof link - 1);
    if (i) putchar(',');
    jkey(ns[i]);
    char* br = n > 0 ? (link[n] = 0, strchr(link, '[')) : NULL;
    if (br)
      printf("%llu", strtoull(br + 1, NULL, 10));
    else
      jnull();
  }
  putchar('}');
}

static void print_lines(const char* path) {
  char* txt = slurp(path);
  if (!txt) {
    jnull();
    return;
  }
  jsplit(txt, "\n");
  free(txt);
}

static void jlimit(rlim_t v) {
  if (v == RLIM_INFINITY)
    fputs("\"unlimited\"", stdout);
  else
    printf("%llu", (unsigned long long)v);
}

static void print_rlimits(void) {
  static const struct {
    const char* name;
    int res;
  } rl[] = {
      {"RLIMIT_CPU", RLIMIT_CPU},           {"RLIMIT_FSIZE", RLIMIT_FSIZE},
      {"RLIMIT_DATA", RLIMIT_DATA},         {"RLIMIT_STACK", RLIMIT_STACK},
      {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_RSS", RLIMIT_RSS},
      {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
      {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},   {"RLIMIT_AS", RLIMIT_AS},
      {"RLIMIT_LOCKS", RLIMIT_LOCKS},       {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
      {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
      {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},     {"RLIMIT_RTTIME", RLIMIT_RTTIME},
  };
  putchar('{');
  for (size_t i = 0; i < sizeof rl / sizeof *rl; i++) {
    struct rlimit r;
    if (i) putchar(',');
    jkey(rl[i].name);
    if (getrlimit(rl[i].res, &r) != 0) {
      jnull();
      continue;
    }
    fputs("{\"soft\":", stdout), jlimit(r.rlim_cur);
    fputs(",\"hard\":", stdout), jlimit(r.rlim_max), putchar('}');
  }
  putchar('}');
}

static const char* ftype(mode_t m) {
  return S_ISCHR(m)    ? "char"
         : S_ISBLK(m)  ? "block"
         : S_ISFIFO(m) ? "fifo"
         : S_ISDIR(m)  ? "dir"
         : S_ISLNK(m)  ? "symlink"
         : S_ISSOCK(m) ? "socket"
                       : "file";
}

static int cmp_int(const void* a, const void* b) { return *(const int*)a - *(const int*)b; }

/* Open fds, sorted, excluding the directory fd used to list them. Returns count or -1. */
static int list_fds(int* fds, int max) {
  DIR* d = opendir("/proc/self/fd");
  if (!d) return -1;
  int n = 0, self = dirfd(d);
  for (struct dirent* e; (e = readdir(d)) && n < max;) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    int fd = atoi(e->d_name);
    if (fd != self) fds[n++] = fd;
  }
  closedir(d);
  qsort(fds, n, sizeof *fds, cmp_int);
  return n;
}

static void report(int argc, char** argv, char** sysctls, int nsysctl) {
  int fds[1024];
  int nfds = list_fds(fds, 1024); /* first, before we open anything else */
  mode_t um = umask(0);
  umask(um);
  char* status = slurp("/proc/self/status");
  printf("{\"pid\":%d,\"ppid\":%d,\"uid\":%u,\"gid\":%u,\"euid\":%u,\"egid\":%u,", getpid(), getppid(), getuid(),
         getgid(), geteuid(), getegid());
  gid_t groups[1024];
  int ng = getgroups(1024, groups);
  jkey("groups");
  if (ng < 0)
    jnull();
  else {
    putchar('[');
    for (int i = 0; i < ng; i++) printf(i ? ",%u" : "%u", groups[i]);
    putchar(']');
  }
  struct utsname u;
  int uok = uname(&u) == 0;
  putchar(',');
  jkey("hostname");
  jstr_or_null(uok ? u.nodename : NULL);
  putchar(',');
  jkey("domainname");
  jstr_or_null(uok ? u.domainname : NULL);
  char cwd[4096];
  putchar(',');
  jkey("cwd");
  jstr_or_null(getcwd(cwd, sizeof cwd));
  printf(",\"umask\":%u,", (unsigned)um);
  jkey("args");
  putchar('[');
  for (int i = 0; i < argc; i++) {
    if (i) putchar(',');
    jstr(argv[i]);
  }
  fputs("],", stdout);
  jkey("env");
  putchar('[');
  for (char** e = environ; e && *e; e++) {
    if (e != environ) putchar(',');
    jstr(*e);
  }
  fputs("],", stdout);
  jkey("mounts");
  print_mounts();
  putchar(',');
  jkey("namespaces");
  print_namespaces();
  putchar(',');
  jkey("cgroup");
  print_lines("/proc/self/cgroup");
  putchar(',');
  jkey("capabilities");
  if (!status)
    jnull();
  else {
    static const char* cn[][2] = {{"inheritable", "CapInh"},
                                  {"permitted", "CapPrm"},
                                  {"effective", "CapEff"},
                                  {"bounding", "CapBnd"},
                                  {"ambient", "CapAmb"}};
    char v[64];
    putchar('{');
    for (int i = 0; i < 5; i++) {
      if (i) putchar(',');
      jkey(cn[i][0]);
      jstr_or_null(status_field(status, cn[i][1], v, sizeof v));
    }
    putchar('}');
  }
  putchar(',');
  jkey("rlimits");
  print_rlimits();
  putchar(',');
  jkey("seccomp");
  status_num(status, "Seccomp");
  putchar(',');
  jkey("noNewPrivs");
  status_num(status, "NoNewPrivs");
  putchar(',');
  char* oom = slurp("/proc/self/oom_score_adj");
  jkey("oomScoreAdj");
  if (oom)
    printf("%ld", strtol(oom, NULL, 10));
  else
    jnull();
  free(oom);
  putchar(',');
  jkey("sysctl");
  putchar('{');
  for (int i = 0; i < nsysctl; i++) {
    char path[512];
    snprintf(path, sizeof path, "/proc/sys/%s", sysctls[i]);
    for (char* p = path + 10; *p; p++)
      if (*p == '.') *p = '/';
    char* val = slurp(path);
    if (val) {
      size_t l = strlen(val);
      while (l && val[l - 1] == '\n') val[--l] = 0;
    }
    if (i) putchar(',');
    jkey(sysctls[i]);
    jstr_or_null(val);
    free(val);
  }
  fputs("},", stdout);
  jkey("stdio");
  putchar('[');
  for (int fd = 0; fd < 3; fd++) {
    struct stat st;
    printf("%s{\"fd\":%d,\"isatty\":%s,\"type\":", fd ? "," : "", fd, isatty(fd) ? "true" : "false");
    jstr_or_null(fstat(fd, &st) == 0 ? ftype(st.st_mode) : NULL);
    putchar('}');
  }
  fputs("],", stdout);
  jkey("openFds");
  if (nfds < 0)
    jnull();
  else {
    putchar('[');
    for (int i = 0; i < nfds; i++) printf(i ? ",%d" : "%d", fds[i]);
    putchar(']');
  }
  fputs("}\n", stdout);
  free(status);
}

static void do_stat(int n, char** paths) {
  putchar('{');
  for (int i = 0; i < n; i++) {
    struct stat st;
    if (i) putchar(',');
    jkey(paths[i]);
    if (lstat(paths[i], &st) != 0) {
      fputs("{\"error\":", stdout);
      jstr(errname(errno));
      putchar('}');
      continue;
    }
    fputs("{\"type\":", stdout);
    jstr(ftype(st.st_mode));
    printf(",\"mode\":%u,\"major\":%u,\"minor\":%u,\"uid\":%u,\"gid\":%u", (unsigned)(st.st_mode & 07777),
           major(st.st_rdev), minor(st.st_rdev), (unsigned)st.st_uid, (unsigned)st.st_gid);
    if (S_ISLNK(st.st_mode)) {
      char t[4096];
      ssize_t l = readlink(paths[i], t, sizeof t - 1);
      t[l < 0 ? 0 : l] = 0;
      fputs(",\"target\":", stdout);
      jstr(t);
    }
    putchar('}');
  }
  fputs("}\n", stdout);
}

static void do_write(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  size_t len = strlen(text);
  if (fd >= 0 && write(fd, text, len) == (ssize_t)len && close(fd) == 0) {
    puts("{\"ok\":true}");
    return;
  }
  int e = errno;
  if (fd >= 0) close(fd);
  fputs("{\"ok\":false,\"errno\":", stdout), jstr(errname(e)), puts("}"); /* exit 0 either way */
}

static void do_notify(const char* message) {
  const char* path = getenv("NOTIFY_SOCKET");
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  int e = EINVAL;
  if (path && *path && strlen(path) < sizeof addr.sun_path) {
    strcpy(addr.sun_path, path);
    if (addr.sun_path[0] == '@') addr.sun_path[0] = 0; /* abstract, as sd_notify reads it */
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    size_t len = strlen(message);
    socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
    if (fd >= 0 && sendto(fd, message, len, 0, (struct sockaddr*)&addr, alen) == (ssize_t)len) {
      close(fd);
      puts("{\"ok\":true}");
      return;
    }
    e = errno;
    if (fd >= 0) close(fd);
  }
  fputs("{\"ok\":false,\"errno\":", stdout), jstr(errname(e)), puts("}"); /* exit 0 either way */
}

/* Create each file: "ok" or the errno's name (EROFS through a read-only mount), then the
 * mounts, so one container shows what a mount's options did and what mountinfo says. */
static void do_try_write(int n, char** paths) {
  fputs("{\"writes\":{", stdout);
  for (int i = 0; i < n; i++) {
    if (i) putchar(',');
    jkey(paths[i]);
    int fd = open(paths[i], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    jstr(fd >= 0 ? "ok" : errname(errno));
    if (fd >= 0) close(fd);
  }
  fputs("},", stdout);
  jkey("mounts");
  print_mounts();
  fputs("}\n", stdout);
}

static void do_mempolicy(void) {
  int mode = 0;
  unsigned long mask[16] = {0}; /* 1024 nodes */
  if (syscall(SYS_get_mempolicy, &mode, mask, 1024UL, NULL, 0UL) != 0) {
    fputs("{\"errno\":", stdout), jstr(errname(errno)), puts("}");
    return;
  }
  printf("{\"mode\":%d,\"nodes\":[", mode);
  const char* sep = "";
  for (unsigned n = 0; n < 1024; n++)
    if (mask[n / 64] & (1UL << (n % 64))) printf("%s%u", sep, n), sep = ",";
  puts("]}");
}

static void do_clocks(void) {
  struct timespec mono, boot;
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_BOOTTIME, &boot);
  printf("{\"monotonic\":%lld,\"boottime\":%lld,\"timensOffsets\":", (long long)mono.tv_sec, (long long)boot.tv_sec);
  char buf[256];
  int fd = open("/proc/self/timens_offsets", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
  if (fd >= 0) close(fd);
  if (n < 0) {
    fputs("null", stdout);
  } else {
    buf[n] = 0;
    jstr(buf);
  }
  puts("}");
}

static void on_signal(int sig) {
  char buf[32];
  int n = snprintf(buf, sizeof buf, "{\"signal\":%d}\n", sig);
  if (write(1, buf, n) < 0) {}
  _exit(128 + sig);
}

static void do_sleep(const char* arg) {
  /* As pid 1 of a pid namespace, signals without a handler are ignored; catch the usual ones. */
  static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) signal(sigs[i], on_signal);
  double secs = arg ? strtod(arg, NULL) : 0;
  struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

/* struct sched_attr, SCHED_ATTR_SIZE_VER1 (glibc has no wrapper). */
struct probe_sched_attr {
  unsigned int size, policy;
  unsigned long long flags;
  int nice;
  unsigned int priority;
  unsigned long long runtime, deadline, period;
  unsigned int util_min, util_max;
};

static void do_sched(void) {
  struct probe_sched_attr a;
  memset(&a, 0, sizeof a);
  if (syscall(SYS_sched_getattr, 0, &a, sizeof a, 0) != 0) {
    printf("{\"error\":%d}\n", errno);
    return;
  }
  long ioprio = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
  cpu_set_t set;
  CPU_ZERO(&set);
  char cpus[1024] = "";
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    size_t n = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && n + 16 < sizeof cpus; cpu++)
      if (CPU_ISSET(cpu, &set)) n += (size_t)snprintf(cpus + n, sizeof cpus - n, "%s%d", n ? "," : "", cpu);
  }
  printf(
      "{\"policy\":%u,\"flags\":%llu,\"nice\":%d,\"priority\":%u,\"runtime\":%llu,\"deadline\":%llu,"
      "\"period\":%llu,\"ioprio\":%ld,\"cpus\":\"%s\",\"personality\":%d}\n",
      a.policy, a.flags, a.nice, a.priority, a.runtime, a.deadline, a.period, ioprio, cpus, personality(0xffffffff));
}

int main(int argc, char** argv) {
  const char* cmd = argc > 1 ? argv[1] : NULL;
  if (!cmd)
    report(argc, argv, NULL, 0);
  else if (strcmp(cmd, "sysctl") == 0)
    report(argc, argv, argv + 2, argc - 2);
  else if (strcmp(cmd, "stat") == 0)
    do_stat(argc - 2, argv + 2);
  else if (strcmp(cmd, "try-write") == 0)
    do_try_write(argc - 2, argv + 2);
  else if (strcmp(cmd, "write") == 0 && argc == 4)
    do_write(argv[2], argv[3]);
  else if (strcmp(cmd, "sleep") == 0)
    do_sleep(argv[2]);
  else if (strcmp(cmd, "notify") == 0 && argc == 3)
    do_notify(argv[2]);
  else if (strcmp(cmd, "mempolicy") == 0)
    do_mempolicy();
  else if (strcmp(cmd, "clocks") == 0)
    do_clocks();
  else if (strcmp(cmd, "exit") == 0)
    return argc > 2 ? atoi(argv[2]) : 0;
  else if (strcmp(cmd, "sched") == 0)
    do_sched();
  else {
    fprintf(stderr,
            "probe: usage: probe [sysctl KEY...|stat PATH...|write PATH TEXT|try-write PATH...|sleep SECONDS|notify "
            "MESSAGE|mempolicy|clocks|exit N|sched]\n");
    return 2;
  }
  return fflush(stdout) != 0;
}
