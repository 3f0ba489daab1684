// Bump allocation into the plan block (see plan_layout.cc).
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <string>
#include <vector>

#include "plan.h"

namespace tsrun {

// Bump allocator over one block; with base == nullptr it only measures.
class Layout {
 public:
  explicit Layout(char* base) : base_(base) {}
  size_t size() const { return used_; }

  template <typename T>
  T* alloc(size_t count) {
    used_ = (used_ + alignof(T) - 1) & ~(alignof(T) - 1);
    T* p = base_ ? reinterpret_cast<T*>(base_ + used_) : nullptr;
    used_ += sizeof(T) * count;
    return p;
  }

  const char* str(const std::string& s) {
    char* p = alloc<char>(s.size() + 1);
    if (p) memcpy(p, s.c_str(), s.size() + 1);
    return p;
  }
  const char* opt_str(const std::string& s) { return s.empty() ? nullptr : str(s); }

  // A NULL-terminated array of strings.
  char** str_array(const std::vector<std::string>& v) {
    char** arr = alloc<char*>(v.size() + 1);
    for (size_t i = 0; i < v.size(); i++) {
      const char* s = str(v[i]);
      if (arr) arr[i] = const_cast<char*>(s);
    }
    if (arr) arr[v.size()] = nullptr;
    return arr;
  }

  template <typename T>
  const T* copy(const std::vector<T>& v) {
    T* p = alloc<T>(v.size());
    if (p && !v.empty()) memcpy(p, v.data(), sizeof(T) * v.size());
    return p;
  }

 private:
  char* base_;
  size_t used_ = 0;
};

}  // namespace tsrun
