// The session keyring, as runc's init does it right after the namespaces and before the
// mounts and the credential switch: join a new keyring "_ses.<id>" so the container does
// not share the runtime's (and the host's) session keyring, then add a search bit to its
// permissions so the container's process can still search it as its final user.
#include "../abi.h"
#include "child.h"
#include "report.h"
#include "sys.h"
#include "text.h"

namespace tsrun {
namespace {

// "type;uid;gid;perm;description" (KEYCTL_DESCRIBE): the perm field, in hex. The
// description must follow (five fields), as runc requires.
bool parse_perm(const char* s, size_t n, uint32_t* out) {
  size_t i = 0;
  int seps = 0;
  for (; i < n && seps < 3; i++)
    if (s[i] == ';') seps++;
  if (seps < 3) return false;
  uint64_t v = 0;
  size_t digits = 0;
  for (; i < n && s[i] != ';'; i++, digits++) {
    char ch = s[i];
    unsigned d;
    if (ch >= '0' && ch <= '9') {
      d = static_cast<unsigned>(ch - '0');
    } else if (ch >= 'a' && ch <= 'f') {
      d = static_cast<unsigned>(ch - 'a' + 10);
    } else if (ch >= 'A' && ch <= 'F') {
      d = static_cast<unsigned>(ch - 'A' + 10);
    } else {
      return false;
    }
    v = v * 16 + d;
    if (v > 0xffffffffULL) return false;
  }
  if (digits == 0 || i >= n) return false;
  *out = static_cast<uint32_t>(v);
  return true;
}

}  // namespace

void keyring_join_session(const Child& c) {
  const ChildPlan& p = *c.plan;
  if (p.session_keyring == nullptr) return;  // --no-new-keyring: keep the inherited one
  text::Buf<kSyncDetailSize> what;
  what.add("join session keyring ").add(p.session_keyring);
  long id = sys::keyctl(sys::kKeyctlJoinSessionKeyring, reinterpret_cast<unsigned long>(p.session_keyring));
  // No keyrings in this kernel (or a sandbox that hides keyctl): best effort, as in runc.
  if (id == -ENOSYS) return;
  if (id < 0) fail(c, ChildStep::SessionKeyring, -1, id, what.c_str());

  // Joined: from here any failure is an error, a keyring with bad permissions must not stay.
  what.clear();
  what.add("make session keyring ").add(p.session_keyring).add(" searchable");
  // type;uid;gid;perm; (at most 3 + 3*11 + 9 bytes) + description (< 4096) + NUL.
  char desc[4096 + 64];
  long n = sys::keyctl(sys::kKeyctlDescribe, static_cast<unsigned long>(id), reinterpret_cast<unsigned long>(desc),
                       sizeof desc);
  if (n < 0) fail(c, ChildStep::SessionKeyring, -1, n, what.c_str());
  if (static_cast<unsigned long>(n) > sizeof desc) fail(c, ChildStep::SessionKeyring, -1, E2BIG, what.c_str());
  uint32_t perm = 0;
  if (!parse_perm(desc, static_cast<size_t>(n), &perm)) fail(c, ChildStep::SessionKeyring, -1, EPROTO, what.c_str());
  long r = sys::keyctl(sys::kKeyctlSetperm, static_cast<unsigned long>(id), perm | p.session_keyring_perm);
  if (r < 0) fail(c, ChildStep::SessionKeyring, -1, r, what.c_str());
}

}  // namespace tsrun
