// JS InitPlan -> ChildPlan (plan.h), in the parent, before clone3. Two steps: read and
// check the JS object into an owned draft, then lay the draft out in one heap block
// (measured first, then filled by the same code) so the child sees plain pointers.
// The keys are the fields of src/plan/types.ts, checked by test/unit/plan-contract.test.ts
// (read here as bare string literals: keep them so).
#include <napi.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <limits>
#include <string>
#include <vector>

#include "plan.h"
#include "plan_build.h"
#include "plan_draft.h"
#include "plan_layout.h"
#include "plan_reader.h"

namespace tsrun {
namespace {

constexpr size_t kMaxArgLen = 131072;  // MAX_ARG_STRLEN
constexpr size_t kMaxArgs = 65536;

constexpr int64_t kI32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kU32Max = std::numeric_limits<uint32_t>::max();
constexpr int64_t kFlagsMax = kU32Max;  // MS_* and CLONE_* fit in 32 bits

bool absolute(Reader& r, const std::string& where, const std::string& p) {
  return p[0] == '/' || r.fail(where, "must be an absolute path");
}

// A hook set (createContainerHooks, startContainerHooks); absent or null: none.
bool read_hook_set(Reader& r, const Napi::Object& o, const std::string& w, const char* key, HookSetDraft* out) {
  Napi::Value v;
  Napi::Object so;
  if (!r.get(o, w, key, &v)) return false;
  if (v.IsNull() || v.IsUndefined()) return true;
  const std::string sw = w + "." + key;
  out->present = true;
  // The document is written into a pipe before the hook runs: it must fit (64 KiB).
  if (!r.object(v, sw, &so) || !r.field_str(so, sw, "statePrefix", 32768, &out->state_prefix) ||
      !r.field_str(so, sw, "stateSuffix", 32768, &out->state_suffix))
    return false;
  return r.each_object(so, sw, "hooks", [&](const Napi::Object& h, const std::string& hw, uint32_t) {
    HookDraft hd;
    Napi::Value ev;
    if (!r.field_num(h, hw, "index", 0, kI32Max, &hd.index) || !r.field_path(h, hw, "path", &hd.path) ||
        !absolute(r, hw + ".path", hd.path) ||
        !r.field_str_array(h, hw, "args", kMaxArgs, kMaxArgLen, false, &hd.args) ||
        !r.field_num(h, hw, "timeoutMs", -1, kI32Max, &hd.timeout_ms) || !r.get(h, hw, "env", &ev))
      return false;
    if (hd.args.empty()) return r.fail(hw + ".args", "must hold argv[0]");
    hd.has_env = !ev.IsNull();
    if (hd.has_env && !r.field_str_array(h, hw, "env", kMaxArgs, kMaxArgLen, false, &hd.env)) return false;
    out->hooks.push_back(std::move(hd));
    return true;
  });
}

// A cpu_set_t as bytes; absent or null: none.
bool read_cpu_mask(Reader& r, const Napi::Object& o, const std::string& w, const char* key, std::vector<uint8_t>* out) {
  Napi::Value v;
  if (!r.get(o, w, key, &v)) return false;
  if (v.IsNull() || v.IsUndefined()) return true;
  const std::string mw = w + "." + key;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    return r.fail(mw, "expected a Uint8Array");
  Napi::Uint8Array bytes = v.As<Napi::Uint8Array>();
  size_t n = bytes.ByteLength();
  if (n == 0 || n % 8 != 0 || n > kMaxCpuMaskBytes)
    return r.fail(mw, "expected whole 8-byte words, at most " + std::to_string(kMaxCpuMaskBytes) + " bytes");
  out->assign(bytes.Data(), bytes.Data() + n);
  return true;
}

// scheduler, ioPriority, personality, cpuAffinityInitial/Final: all optional (absent
// leaves the process as inherited).
bool read_process_attributes(Reader& r, const Napi::Object& o, const std::string& w, Draft* d) {
  Napi::Value sv, iv, pv;
  if (!r.get(o, w, "scheduler", &sv) || !r.get(o, w, "ioPriority", &iv) || !r.get(o, w, "personality", &pv))
    return false;
  d->has_scheduler = !sv.IsNull() && !sv.IsUndefined();
  if (d->has_scheduler) {
    Napi::Object so;
    const std::string sw = w + ".scheduler";
    SchedulerPlan& s = d->scheduler;
    if (!r.object(sv, sw, &so) || !r.field_num(so, sw, "policy", 0, 6, &s.policy) ||
        !r.field_num(so, sw, "flags", 0, 0x7f, &s.flags) || !r.field_num(so, sw, "nice", -20, 19, &s.nice) ||
        !r.field_num(so, sw, "priority", 0, 99, &s.priority) || !r.field_u64(so, sw, "runtime", &s.runtime) ||
        !r.field_u64(so, sw, "deadline", &s.deadline) || !r.field_u64(so, sw, "period", &s.period))
      return false;
  }
  int64_t x = -1;
  if (!iv.IsUndefined()) {
    if (!r.integer(iv, w + ".ioPriority", -1, 0xffff, &x)) return false;
    d->io_priority = static_cast<int32_t>(x);
  }
  if (!pv.IsUndefined()) {
    if (!r.integer(pv, w + ".personality", -1, kU32Max - 1, &x)) return false;
    d->personality = x;
  }
  return read_cpu_mask(r, o, w, "cpuAffinityInitial", &d->affinity_initial) &&
         read_cpu_mask(r, o, w, "cpuAffinityFinal", &d->affinity_final);
}

bool read_draft(Reader& r, const Napi::Object& o, Draft* d) {
  const std::string w = "plan";
  bool ok = r.each_object(o, w, "joins",
                          [&](const Napi::Object& j, const std::string& jw, uint32_t) {
                            NsJoin nj{};
                            if (!r.field_num(j, jw, "type", 1, kFlagsMax, &nj.type) ||
                                !r.field_num(j, jw, "fd", 0, kI32Max, &nj.fd) ||
                                !r.field_num(j, jw, "index", -1, kI32Max, &nj.index))
                              return false;
                            d->joins.push_back(nj);
                            return true;
                          }) &&
            r.field_num(o, w, "newNamespaces", 0, kFlagsMax, &d->new_namespaces) &&
            r.field_bool(o, w, "hasUserMappings", &d->has_user_mappings) &&
            r.field_num(o, w, "cgroupFd", -1, kI32Max, &d->cgroup_fd) &&
            r.field_num(o, w, "rootFd", -1, kI32Max, &d->root_fd) && r.field_path(o, w, "rootfs", &d->rootfs) &&
            absolute(r, w + ".rootfs", d->rootfs) &&
            r.field_num(o, w, "rootPropagation", 0, kFlagsMax, &d->root_propagation) &&
            r.field_num(o, w, "rootfsPropagation", 0, kFlagsMax, &d->rootfs_propagation) &&
            r.field_bool(o, w, "rootReadonly", &d->root_readonly) && r.field_bool(o, w, "noPivot", &d->no_pivot);
  if (!ok) return false;

  ok = r.each_object(o, w, "mounts", [&](const Napi::Object& m, const std::string& mw, uint32_t) {
    MountDraft md;
    int64_t kind = 0;
    Napi::Value pv;
    Napi::Array parr;
    if (!r.field_num(m, mw, "index", -1, kI32Max, &md.index) ||
        !r.field_str(m, mw, "source", kMaxPathLen, &md.source) ||
        !r.field_path(m, mw, "destination", &md.destination) || !absolute(r, mw + ".destination", md.destination) ||
        !r.field_str(m, mw, "fstype", 255, &md.fstype) || !r.field_num(m, mw, "flags", 0, kFlagsMax, &md.flags) ||
        !r.field_str(m, mw, "data", kMaxPathLen, &md.data) ||
        !r.field_num(m, mw, "remountFlags", -1, kFlagsMax, &md.remount_flags) ||
        !r.opt_num(m, mw, "clearFlags", 0, kFlagsMax, &md.clear_flags) ||
        !r.opt_num(m, mw, "recursiveAttrSet", 0, kFlagsMax, &md.recursive_attr_set) ||
        !r.opt_num(m, mw, "recursiveAttrClr", 0, kFlagsMax, &md.recursive_attr_clr) ||
        !r.opt_bool(m, mw, "copyUp", &md.copy_up) || !r.opt_bool(m, mw, "idmapped", &md.idmapped) ||
        !r.field_int(m, mw, "targetKind", 0, 1, &kind) || !r.field_bool(m, mw, "sourceIsPath", &md.source_is_path) ||
        !r.get(m, mw, "propagation", &pv) || !r.array(pv, mw + ".propagation", 16, &parr))
      return false;
    md.target_is_file = kind == 1;
    // Optional (plans built by hand in tests may omit it): absent means none.
    Napi::Value tv;
    if (!r.get(m, mw, "sourceTreeFd", &tv)) return false;
    int64_t tree = -1;
    if (!tv.IsUndefined() && !r.integer(tv, mw + ".sourceTreeFd", -1, kI32Max, &tree)) return false;
    md.source_tree_fd = static_cast<int32_t>(tree);
    if (md.source_is_path && (md.source.empty() || md.source[0] != '/'))
      return r.fail(mw + ".source", "must be an absolute path when sourceIsPath is true");
    for (uint32_t i = 0; i < parr.Length(); i++) {
      std::string pw = mw + ".propagation[" + std::to_string(i) + "]";
      Napi::Value item;
      int64_t x = 0;
      if (!r.element(parr, pw, i, &item) || !r.integer(item, pw, 1, kFlagsMax, &x)) return false;
      md.propagation.push_back(static_cast<uint64_t>(x));
    }
    d->mounts.push_back(std::move(md));
    return true;
  });
  if (!ok) return false;

  ok = r.each_object(o, w, "devices", [&](const Napi::Object& v, const std::string& vw, uint32_t) {
    DeviceDraft dd;
    if (!r.field_num(v, vw, "index", -1, kI32Max, &dd.d.index) || !r.field_path(v, vw, "path", &dd.path) ||
        !absolute(r, vw + ".path", dd.path) || !r.field_num(v, vw, "fileType", 0, kU32Max, &dd.d.file_type) ||
        !r.field_num(v, vw, "major", 0, kU32Max, &dd.d.major) ||
        !r.field_num(v, vw, "minor", 0, kU32Max, &dd.d.minor) || !r.field_num(v, vw, "mode", 0, 07777, &dd.d.mode) ||
        !r.field_num(v, vw, "uid", 0, kU32Max, &dd.d.uid) || !r.field_num(v, vw, "gid", 0, kU32Max, &dd.d.gid) ||
        !r.field_bool(v, vw, "bindFromHost", &dd.d.bind_from_host))
      return false;
    if (dd.d.file_type != S_IFCHR && dd.d.file_type != S_IFBLK && dd.d.file_type != S_IFIFO)
      return r.fail(vw + ".fileType", "expected S_IFCHR, S_IFBLK or S_IFIFO");
    d->devices.push_back(std::move(dd));
    return true;
  });
  if (!ok) return false;

  ok = r.each_object(o, w, "symlinks", [&](const Napi::Object& s, const std::string& sw, uint32_t) {
    std::string target, link;
    if (!r.field_path(s, sw, "target", &target) || !r.field_path(s, sw, "linkPath", &link) ||
        !absolute(r, sw + ".linkPath", link))
      return false;
    d->symlinks.emplace_back(std::move(target), std::move(link));
    return true;
  });
  if (!ok) return false;

  ok = r.field_str_array(o, w, "maskedPaths", kMaxEntries, kMaxPathLen, true, &d->masked_paths) &&
       r.field_str_array(o, w, "readonlyPaths", kMaxEntries, kMaxPathLen, true, &d->readonly_paths) &&
       r.each_object(o, w, "sysctls", [&](const Napi::Object& s, const std::string& sw, uint32_t) {
         SysctlDraft sd;
         if (!r.field_path(s, sw, "path", &sd.path) || !r.field_str(s, sw, "value", kMaxPathLen, &sd.value) ||
             !r.field_str(s, sw, "key", kMaxPathLen, &sd.key))
           return false;
         if (sd.path[0] == '/') return r.fail(sw + ".path", "must be relative to /proc/sys");
         d->sysctls.push_back(std::move(sd));
         return true;
       });
  if (!ok) return false;

  // Optional: absent means no offsets to wait for.
  if (!r.opt_bool(o, w, "hasTimeOffsets", &d->has_time_offsets)) return false;

  for (auto [key, has, out] : {std::make_tuple("hostname", &d->has_hostname, &d->hostname),
                               std::make_tuple("domainname", &d->has_domainname, &d->domainname)}) {
    Napi::Value v;
    if (!r.get(o, w, key, &v)) return false;
    *has = !v.IsNull();
    if (*has && !r.str(v, w + "." + key, 64, out)) return false;  // __NEW_UTS_LEN
  }

  // Both optional: absent (or null) keeps the inherited session keyring.
  Napi::Value kv, kpv;
  if (!r.get(o, w, "sessionKeyring", &kv) || !r.get(o, w, "sessionKeyringPerm", &kpv)) return false;
  d->has_session_keyring = !kv.IsNull() && !kv.IsUndefined();
  if (d->has_session_keyring) {
    // KEY_MAX_DESC_SIZE is 4096 with the NUL.
    if (!r.str(kv, w + ".sessionKeyring", 4095, &d->session_keyring)) return false;
    if (d->session_keyring.empty()) return r.fail(w + ".sessionKeyring", "must not be empty");
  }
  if (!kpv.IsUndefined()) {
    int64_t perm = 0;
    if (!r.integer(kpv, w + ".sessionKeyringPerm", 0, kU32Max, &perm)) return false;
    d->session_keyring_perm = static_cast<uint32_t>(perm);
  }

  ok = r.each_object(o, w, "rlimits", [&](const Napi::Object& l, const std::string& lw, uint32_t) {
    RlimitPlan rp{};
    if (!r.field_num(l, lw, "resource", 0, 63, &rp.resource) || !r.field_u64(l, lw, "soft", &rp.soft) ||
        !r.field_u64(l, lw, "hard", &rp.hard) || !r.field_num(l, lw, "index", -1, kI32Max, &rp.index))
      return false;
    if (rp.soft > rp.hard) return r.fail(lw, "soft limit is above the hard limit");
    d->rlimits.push_back(rp);
    return true;
  });
  if (!ok) return false;

  Napi::Value gv, cv;
  Napi::Array garr;
  ok = r.field_num(o, w, "uid", 0, kU32Max - 1, &d->uid) && r.field_num(o, w, "gid", 0, kU32Max - 1, &d->gid) &&
       r.get(o, w, "additionalGids", &gv) && r.array(gv, w + ".additionalGids", kMaxGroups, &garr);
  if (!ok) return false;
  for (uint32_t i = 0; i < garr.Length(); i++) {
    std::string gw = w + ".additionalGids[" + std::to_string(i) + "]";
    Napi::Value item;
    int64_t x = 0;
    if (!r.element(garr, gw, i, &item) || !r.integer(item, gw, 0, kU32Max - 1, &x)) return false;
    d->additional_gids.push_back(static_cast<uint32_t>(x));
  }
  ok = r.field_num(o, w, "umask", -1, 0777, &d->umask) && r.get(o, w, "capabilities", &cv);
  if (!ok) return false;
  d->has_capabilities = !cv.IsNull();
  if (d->has_capabilities) {
    Napi::Object co;
    const std::string cw = w + ".capabilities";
    if (!r.object(cv, cw, &co) || !r.field_u64(co, cw, "bounding", &d->caps.bounding) ||
        !r.field_u64(co, cw, "effective", &d->caps.effective) ||
        !r.field_u64(co, cw, "permitted", &d->caps.permitted) ||
        !r.field_u64(co, cw, "inheritable", &d->caps.inheritable) || !r.field_u64(co, cw, "ambient", &d->caps.ambient))
      return false;
  }
  // Optional: absent or null means no filter. BPF bytes, whole instructions, bounded.
  Napi::Value sv;
  if (!r.get(o, w, "seccomp", &sv)) return false;
  if (!sv.IsNull() && !sv.IsUndefined()) {
    Napi::Object so;
    Napi::Value fv;
    const std::string sw = w + ".seccomp";
    if (!r.object(sv, sw, &so) || !r.get(so, sw, "filter", &fv) ||
        !r.field_num(so, sw, "flags", 0, kU32Max, &d->seccomp_flags))
      return false;
    if (!fv.IsTypedArray() || fv.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
      return r.fail(sw + ".filter", "expected a Uint8Array");
    Napi::Uint8Array bytes = fv.As<Napi::Uint8Array>();
    size_t n = bytes.ByteLength();
    if (n == 0 || n % 8 != 0) return r.fail(sw + ".filter", "expected whole BPF instructions (8 bytes each)");
    if (n / 8 > kMaxSeccompInsns)
      return r.fail(sw + ".filter", "more than " + std::to_string(kMaxSeccompInsns) + " instructions");
    d->seccomp_filter.assign(bytes.Data(), bytes.Data() + n);
  }
  if (!read_process_attributes(r, o, w, d)) return false;

  // Optional: absent or null keeps the inherited policy. Nodes become the child's mask.
  Napi::Value mv;
  if (!r.get(o, w, "memoryPolicy", &mv)) return false;
  if (!mv.IsNull() && !mv.IsUndefined()) {
    Napi::Object mo;
    Napi::Value nv;
    Napi::Array narr;
    const std::string mw = w + ".memoryPolicy";
    if (!r.object(mv, mw, &mo) || !r.field_num(mo, mw, "mode", 0, kI32Max, &d->memory_policy_mode) ||
        !r.get(mo, mw, "nodes", &nv) || !r.array(nv, mw + ".nodes", kMaxNumaNodes, &narr))
      return false;
    d->has_memory_policy = true;
    for (uint32_t i = 0; i < narr.Length(); i++) {
      std::string nw = mw + ".nodes[" + std::to_string(i) + "]";
      Napi::Value item;
      int64_t node = 0;
      if (!r.element(narr, nw, i, &item) || !r.integer(item, nw, 0, kMaxNumaNodes - 1, &node)) return false;
      d->memory_policy_nodes[node / 64] |= uint64_t{1} << (node % 64);
    }
  }

  ok = r.field_bool(o, w, "noNewPrivileges", &d->no_new_privileges) && r.field_path(o, w, "cwd", &d->cwd) &&
       absolute(r, w + ".cwd", d->cwd) && r.field_str_array(o, w, "args", kMaxArgs, kMaxArgLen, false, &d->args) &&
       r.field_str_array(o, w, "env", kMaxArgs, kMaxArgLen, false, &d->env) &&
       r.field_str_array(o, w, "searchPath", kMaxEntries, kMaxPathLen, true, &d->search_path) &&
       r.field_num(o, w, "fifoFd", -1, kI32Max, &d->fifo_fd) &&
       r.field_num(o, w, "consoleSocketFd", -1, kI32Max, &d->console_socket_fd) &&
       r.field_num(o, w, "consoleRows", 0, 65535, &d->console_rows) &&
       r.field_num(o, w, "consoleCols", 0, 65535, &d->console_cols) &&
       r.field_num(o, w, "preserveFds", 0, 65536, &d->preserve_fds);
  if (!ok) return false;
  // Optional: absent means the caller passed none of the preserved range.
  Napi::Value iv;
  Napi::Array iarr;
  if (!r.get(o, w, "inheritFds", &iv)) return false;
  if (!iv.IsUndefined()) {
    if (!r.array(iv, w + ".inheritFds", 65536, &iarr)) return false;
    for (uint32_t i = 0; i < iarr.Length(); i++) {
      std::string iw = w + ".inheritFds[" + std::to_string(i) + "]";
      Napi::Value item;
      int64_t fd = 0;
      if (!r.element(iarr, iw, i, &item) || !r.integer(item, iw, 3, 2 + int64_t{d->preserve_fds}, &fd)) return false;
      d->inherit_fds.push_back(static_cast<int32_t>(fd));
    }
  }
  Napi::Value rv;
  if (!read_hook_set(r, o, w, "createContainerHooks", &d->create_container_hooks) ||
      !read_hook_set(r, o, w, "startContainerHooks", &d->start_container_hooks) || !r.get(o, w, "startReportFd", &rv))
    return false;
  if (!rv.IsUndefined()) {
    int64_t fd = -1;
    if (!r.integer(rv, w + ".startReportFd", -1, kI32Max, &fd)) return false;
    d->start_report_fd = static_cast<int32_t>(fd);
  }
  // No args: a container created without process (config.md makes it optional until
  // start); it is never released, so nothing is executed.
  if (!d->args.empty() && d->args[0].empty()) return r.fail(w + ".args[0]", "must not be empty");
  if (!d->args.empty() && d->args[0].size() > kMaxPathLen) return r.fail(w + ".args[0]", "longer than the path limit");
  return true;
}

}  // namespace

PlanArena::~PlanArena() { free(block_); }

bool plan_build(Napi::Value value, PlanArena* out, std::string* error) {
  Reader r(value.Env());
  Napi::Object obj;
  Draft draft;
  if (!r.object(value, "plan", &obj) || !read_draft(r, obj, &draft)) {
    *error = r.error();
    return false;
  }
  Layout measure(nullptr);
  lay_out(draft, measure);
  char* block = static_cast<char*>(calloc(1, measure.size()));
  if (block == nullptr) {
    *error = "plan: out of memory";
    return false;
  }
  Layout fill(block);
  out->block_ = block;
  out->plan_ = lay_out(draft, fill);
  return true;
}

}  // namespace tsrun
