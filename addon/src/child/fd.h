// An fd the caller owns, closed when the scope ends. Child code: async-signal-safe.
#pragma once

#include "sys.h"

namespace tsrun {

class Fd {
 public:
  explicit Fd(long fd = -1) : fd_(static_cast<int>(fd)) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(-1); }
  int get() const { return fd_; }
  void reset(long fd) {
    if (fd_ >= 0) sys::close(fd_);
    fd_ = static_cast<int>(fd);
  }

 private:
  int fd_;
};

}  // namespace tsrun
