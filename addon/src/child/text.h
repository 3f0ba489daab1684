// Bounded string work into caller buffers, for the child (no allocation, no stdio).
// Every function NUL-terminates and reports truncation instead of overflowing.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace tsrun::text {

inline size_t length(const char* s) {
  size_t n = 0;
  while (s[n] != '\0') n++;
  return n;
}

inline bool equal(const char* a, const char* b) {
  for (; *a != '\0' && *a == *b; a++, b++) {}
  return *a == *b;
}

inline bool contains(const char* s, char c) {
  for (; *s != '\0'; s++)
    if (*s == c) return true;
  return false;
}

// A fixed buffer that strings are appended to; `ok()` is false once anything was cut.
template <size_t N>
class Buf {
 public:
  Buf() { data_[0] = '\0'; }
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;

  Buf& add(const char* s) {
    for (; *s != '\0'; s++) put(*s);
    return *this;
  }
  Buf& add(const char* s, size_t n) {
    for (size_t i = 0; i < n && s[i] != '\0'; i++) put(s[i]);
    return *this;
  }
  Buf& add_u64(uint64_t v) {
    char tmp[21];
    size_t n = 0;
    do {
      tmp[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (n > 0) put(tmp[--n]);
    return *this;
  }
  Buf& add_i64(int64_t v) {
    if (v < 0) {
      put('-');
      return add_u64(static_cast<uint64_t>(-(v + 1)) + 1);
    }
    return add_u64(static_cast<uint64_t>(v));
  }
  void clear() {
    len_ = 0;
    cut_ = false;
    data_[0] = '\0';
  }

  const char* c_str() const { return data_; }
  size_t size() const { return len_; }
  bool ok() const { return !cut_; }

 private:
  void put(char c) {
    if (len_ + 1 >= N) {
      cut_ = true;
      return;
    }
    data_[len_++] = c;
    data_[len_] = '\0';
  }

  char data_[N];
  size_t len_ = 0;
  bool cut_ = false;
};

// "/proc/self/fd/N": how the child names an fd it resolved, for mount(2).
using FdPath = Buf<32>;

inline void fd_path(FdPath& out, int fd) {
  out.clear();
  out.add("/proc/self/fd/").add_u64(static_cast<uint64_t>(fd));
}

// Splits an absolute or relative path into parent and last component, in `parent_out`
// and `name_out`. Trailing slashes are ignored. Returns false when there is no last
// component ("/", "") or it is "." or "..".
template <size_t N, size_t M>
bool split_last(const char* path, Buf<N>& parent_out, Buf<M>& name_out) {
  size_t end = length(path);
  while (end > 0 && path[end - 1] == '/') end--;
  if (end == 0) return false;
  size_t start = end;
  while (start > 0 && path[start - 1] != '/') start--;
  parent_out.clear();
  name_out.clear();
  if (start == 0) {
    parent_out.add(".");
  } else {
    parent_out.add(path, start);
  }
  name_out.add(path + start, end - start);
  const char* n = name_out.c_str();
  if ((n[0] == '.' && n[1] == '\0') || (n[0] == '.' && n[1] == '.' && n[2] == '\0')) return false;
  return parent_out.ok() && name_out.ok();
}

}  // namespace tsrun::text
