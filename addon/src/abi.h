// The ABI shared by the runtime (src/plan/types.ts) and the addon: sync message types,
// child step ids and the fixed-size sync message. The numbers must equal SyncType and
// ChildStep in src/plan/types.ts; test/unit/addon-constants.test.ts compares them.
//
// The ladder (same comment as src/plan/types.ts):
//
//   parent (runtime)                       child (addon, after clone3)
//   spawn ------------------------------->  signals reset, pdeathsig, non-dumpable
//   place in v1 cgroups                     waits for Go
//   Go ---------------------------------->  rlimits, setns joins (user first)
//                      <--- NeedIdMaps(pid) unshare(CLONE_NEWUSER) [if new user ns]
//   write uid_map/gid_map
//   IdMapsDone -------------------------->  setresuid(0)/setresgid(0); unshare other namespaces
//                 <--- NeedTimeOffsets(pid) [new time ns with linux.timeOffsets]
//   write /proc/PID/timens_offsets
//   TimeOffsetsDone --------------------->
//                          <--- Pid(pid)    [pid/time ns] fork the init with CLONE_PARENT;
//                                           the intermediate exits; join session keyring
//                   <--- CreateRuntime      mounts, devices, symlinks done (before pivot)
//   (prestart/createRuntime hooks)
//   Resume ------------------------------>  [createContainer hooks] pivot_root, masked/readonly, sysctl, hostname,
//                                           console, cwd and args[0] in the root, fds closed,
//                                           [filter without nnp], creds
//                          <--- Ready
//   pid-file, state.json; Detach ------->  pdeathsig cleared; [filter with nnp]
//   [a filter with SCMP_ACT_NOTIFY, at either install point:
//                <--- SeccompListener(fd)   the listener's fd number in the child
//   pidfd_getfd, fd to listenerPath
//   SeccompListenerDone ---------------->  closes its listener fd]
//                       <--- Detached       blocks on exec.fifo
//   (start) byte into exec.fifo ------->  [startContainer hooks, then StartHooksDone or
//                                           Error on the start-hooks fifo, for start]
//
// Any child step may instead send Error {step, index, errno, detail} and _exit(1).
#pragma once

#include <stddef.h>
#include <stdint.h>

// X-macro tables: one list drives the enums and the `constants` export, so they cannot
// drift apart inside the addon.
#define TSRUN_SYNC_TYPES(X)  \
  X(Go, 1)                   \
  X(NeedIdMaps, 2)           \
  X(IdMapsDone, 3)           \
  X(Pid, 4)                  \
  X(CreateRuntime, 5)        \
  X(Resume, 6)               \
  X(Ready, 7)                \
  X(Error, 8)                \
  X(Detach, 9)               \
  X(Detached, 10)            \
  X(StartHooksDone, 11)      \
  X(SeccompListener, 12)     \
  X(SeccompListenerDone, 13) \
  X(NeedTimeOffsets, 14)     \
  X(TimeOffsetsDone, 15)

#define TSRUN_CHILD_STEPS(X) \
  X(Setup, 1)                \
  X(Rlimit, 2)               \
  X(JoinNamespace, 3)        \
  X(UnshareUser, 4)          \
  X(UnshareNamespaces, 5)    \
  X(ForkInit, 6)             \
  X(RootPropagation, 7)      \
  X(BindRootfs, 8)           \
  X(Mount, 9)                \
  X(Device, 10)              \
  X(Symlink, 11)             \
  X(PivotRoot, 12)           \
  X(RootfsPropagation, 13)   \
  X(MaskPath, 14)            \
  X(ReadonlyPath, 15)        \
  X(Sysctl, 16)              \
  X(Hostname, 17)            \
  X(Domainname, 18)          \
  X(RootReadonly, 19)        \
  X(Console, 20)             \
  X(Groups, 21)              \
  X(SetGid, 22)              \
  X(SetUid, 23)              \
  X(Capabilities, 24)        \
  X(NoNewPrivileges, 25)     \
  X(Cwd, 26)                 \
  X(LookupExec, 27)          \
  X(ExecFifo, 28)            \
  X(Exec, 29)                \
  X(IdMaps, 30)              \
  X(Sync, 31)                \
  X(SessionKeyring, 32)      \
  X(Seccomp, 33)             \
  X(CreateContainerHook, 34) \
  X(StartContainerHook, 35)  \
  X(EnterRoot, 36)           \
  X(Loopback, 37)            \
  X(NotExecutable, 38)       \
  X(Personality, 39)         \
  X(Scheduler, 40)           \
  X(IoPriority, 41)          \
  X(CpuAffinity, 42)         \
  X(MountFlags, 43)          \
  X(CopyUp, 44)              \
  X(MemoryPolicy, 45)

namespace tsrun {

#define TSRUN_ENUM_ENTRY(name, value) name = value,
enum class SyncType : uint32_t { TSRUN_SYNC_TYPES(TSRUN_ENUM_ENTRY) };
enum class ChildStep : int32_t { TSRUN_CHILD_STEPS(TSRUN_ENUM_ENTRY) };
#undef TSRUN_ENUM_ENTRY

constexpr size_t kSyncDetailSize = 200;

// One record on the SOCK_SEQPACKET pair; the same bytes in both directions.
struct SyncMsg {
  uint32_t type;                 // SyncType
  int32_t step;                  // ChildStep, 0 when none
  int32_t index;                 // index of the failing plan entry, -1 when none
  int32_t err;                   // positive errno, 0 when none
  int64_t arg;                   // pid for NeedIdMaps / Pid; listener fd; a hook's outcome in Error
  char detail[kSyncDetailSize];  // NUL-terminated, truncated
};

static_assert(sizeof(SyncMsg) == 224, "SyncMsg layout is part of the ABI");
static_assert(offsetof(SyncMsg, arg) == 16, "SyncMsg layout is part of the ABI");

}  // namespace tsrun
