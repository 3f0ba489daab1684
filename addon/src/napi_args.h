// Argument readers for the Node-API functions (false, with a TypeError thrown, when an
// argument is wrong) and SyscallError for failing calls. Parent side only.
#pragma once

#include <napi.h>

#include <stdint.h>

#include <string>

namespace tsrun {

// Per-instance data: the SyscallError class registered by init().
struct AddonData {
  Napi::FunctionReference syscall_error;
};

// new SyscallError(op, errno, subject); its message ("<op> <subject>: <text>") is built on
// the TypeScript side from the one errno table. A plain Error when init() has not
// registered the class.
Napi::Value syscall_error(Napi::Env env, const std::string& op, int err, const std::string& subject);
Napi::Value throw_syscall(Napi::Env env, const std::string& op, int err, const std::string& subject);
Napi::Value throw_type(Napi::Env env, const std::string& message);

bool arg_int(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, int64_t lo, int64_t hi,
             int64_t* out);
bool arg_fd(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, int* out);
bool arg_timeout(const Napi::CallbackInfo& info, size_t i, const char* fn, int64_t* out);
bool arg_path(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, std::string* out);

}  // namespace tsrun
