#include "napi_args.h"

#include <string.h>

namespace tsrun {

// new SyscallError(op, errno, subject): the class (registered by init()) builds the
// message "<op> <subject>: <text>" from the one errno table (src/errno.ts); the addon
// produces no errno text. native() always registers it before any call; an addon used
// without init() gets a plain Error that says so.
Napi::Value syscall_error(Napi::Env env, const std::string& op, int err, const std::string& subject) {
  AddonData* data = env.GetInstanceData<AddonData>();
  if (data == nullptr || data->syscall_error.IsEmpty()) {
    Napi::Error e = Napi::Error::New(
        env, "tsrun addon: init() was not called (" + op + " failed with errno " + std::to_string(err) + ")");
    e.Set("errno", Napi::Number::New(env, err));
    return e.Value();
  }
  return data->syscall_error.New(
      {Napi::String::New(env, op), Napi::Number::New(env, err), Napi::String::New(env, subject)});
}

Napi::Value throw_syscall(Napi::Env env, const std::string& op, int err, const std::string& subject) {
  Napi::Value e = syscall_error(env, op, err, subject);
  if (!env.IsExceptionPending()) Napi::Error(env, e).ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value throw_type(Napi::Env env, const std::string& message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

// Argument readers: false (with a TypeError thrown) when the argument is wrong.
bool arg_int(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, int64_t lo, int64_t hi,
             int64_t* out) {
  Napi::Value v = info[i];
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : 0.5;
  if (!v.IsNumber() || d != static_cast<double>(static_cast<int64_t>(d)) || d < static_cast<double>(lo) ||
      d > static_cast<double>(hi)) {
    throw_type(info.Env(), std::string(fn) + ": " + name + " must be an integer in [" + std::to_string(lo) + ", " +
                               std::to_string(hi) + "]");
    return false;
  }
  *out = static_cast<int64_t>(d);
  return true;
}

bool arg_fd(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, int* out) {
  int64_t v = 0;
  if (!arg_int(info, i, fn, name, 0, INT32_MAX, &v)) return false;
  *out = static_cast<int>(v);
  return true;
}

bool arg_timeout(const Napi::CallbackInfo& info, size_t i, const char* fn, int64_t* out) {
  return arg_int(info, i, fn, "timeoutMs", -1, INT32_MAX, out);
}

bool arg_path(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, std::string* out) {
  Napi::Value v = info[i];
  if (!v.IsString()) {
    throw_type(info.Env(), std::string(fn) + ": " + name + " must be a string");
    return false;
  }
  *out = v.As<Napi::String>().Utf8Value();
  if (out->empty() || memchr(out->data(), '\0', out->size()) != nullptr) {
    throw_type(info.Env(), std::string(fn) + ": " + name + " must be a non-empty string without NUL bytes");
    return false;
  }
  return true;
}

}  // namespace tsrun
