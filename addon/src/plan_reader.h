// Reads and checks fields of the JS InitPlan object for plan.cc, remembering the first
// problem with its JSON-like path ("plan.mounts[3].destination: must be an absolute path").
// Parent-side only: never included by child code.
#pragma once
#include <napi.h>

#include <stdint.h>

#include <string>
#include <vector>

namespace tsrun {

// Reads fields of JS objects, remembering the first problem with its path.
class Reader {
 public:
  explicit Reader(Napi::Env env) : env_(env) {}
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  bool fail(const std::string& where, const std::string& what) {
    if (error_.empty()) error_ = where + ": " + what;
    return false;
  }

  bool get(const Napi::Object& obj, const std::string& where, const char* key, Napi::Value* out) {
    Napi::Value v = obj.Get(key);
    if (env_.IsExceptionPending()) {
      env_.GetAndClearPendingException();
      return fail(where + "." + key, "cannot be read");
    }
    *out = v;
    return true;
  }

  bool object(Napi::Value v, const std::string& where, Napi::Object* out) {
    if (!v.IsObject() || v.IsArray()) return fail(where, "expected an object");
    *out = v.As<Napi::Object>();
    return true;
  }

  bool array(Napi::Value v, const std::string& where, size_t limit, Napi::Array* out) {
    if (!v.IsArray()) return fail(where, "expected an array");
    *out = v.As<Napi::Array>();
    if (out->Length() > limit) return fail(where, "too many entries (limit " + std::to_string(limit) + ")");
    return true;
  }

  bool element(const Napi::Array& arr, const std::string& where, uint32_t i, Napi::Value* out) {
    Napi::Value v = arr.Get(i);
    if (env_.IsExceptionPending()) {
      env_.GetAndClearPendingException();
      return fail(where, "cannot be read");
    }
    *out = v;
    return true;
  }

  bool str(Napi::Value v, const std::string& where, size_t max_len, std::string* out) {
    if (!v.IsString()) return fail(where, "expected a string");
    *out = v.As<Napi::String>().Utf8Value();
    if (out->size() > max_len) return fail(where, "longer than " + std::to_string(max_len) + " bytes");
    if (memchr(out->data(), '\0', out->size()) != nullptr) return fail(where, "contains a NUL byte");
    return true;
  }

  bool boolean(Napi::Value v, const std::string& where, bool* out) {
    if (!v.IsBoolean()) return fail(where, "expected a boolean");
    *out = v.As<Napi::Boolean>().Value();
    return true;
  }

  // An integer number in [lo, hi].
  bool integer(Napi::Value v, const std::string& where, int64_t lo, int64_t hi, int64_t* out) {
    if (!v.IsNumber()) return fail(where, "expected a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= static_cast<double>(lo) && d <= static_cast<double>(hi)) ||
        d != static_cast<double>(static_cast<int64_t>(d)))
      return fail(where, "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    *out = static_cast<int64_t>(d);
    return true;
  }

  // A bigint (or a safe non-negative integer number) in [0, 2^64-1].
  bool u64(Napi::Value v, const std::string& where, uint64_t* out) {
    if (v.IsBigInt()) {
      bool lossless = false;
      uint64_t x = v.As<Napi::BigInt>().Uint64Value(&lossless);
      if (!lossless) return fail(where, "expected a bigint in [0, 2^64-1]");
      *out = x;
      return true;
    }
    int64_t x = 0;
    if (!integer(v, where, 0, (int64_t{1} << 53) - 1, &x)) return false;
    *out = static_cast<uint64_t>(x);
    return true;
  }

  // Field helpers: obj.key into out, with the path "where.key".
  bool field_str(const Napi::Object& o, const std::string& w, const char* k, size_t max, std::string* out) {
    Napi::Value v;
    return get(o, w, k, &v) && str(v, w + "." + k, max, out);
  }
  bool field_path(const Napi::Object& o, const std::string& w, const char* k, std::string* out) {
    if (!field_str(o, w, k, kMaxPathLen, out)) return false;
    if (out->empty()) return fail(w + "." + k, "must not be empty");
    return true;
  }
  bool field_bool(const Napi::Object& o, const std::string& w, const char* k, bool* out) {
    Napi::Value v;
    return get(o, w, k, &v) && boolean(v, w + "." + k, out);
  }
  bool field_int(const Napi::Object& o, const std::string& w, const char* k, int64_t lo, int64_t hi, int64_t* out) {
    Napi::Value v;
    return get(o, w, k, &v) && integer(v, w + "." + k, lo, hi, out);
  }
  template <typename T>
  bool field_num(const Napi::Object& o, const std::string& w, const char* k, int64_t lo, int64_t hi, T* out) {
    int64_t x = 0;
    if (!field_int(o, w, k, lo, hi, &x)) return false;
    *out = static_cast<T>(x);
    return true;
  }
  // An optional number: absent leaves *out as it is (its default).
  template <typename T>
  bool opt_num(const Napi::Object& o, const std::string& w, const char* k, int64_t lo, int64_t hi, T* out) {
    Napi::Value v;
    if (!get(o, w, k, &v)) return false;
    if (v.IsUndefined()) return true;
    int64_t x = 0;
    if (!integer(v, w + "." + k, lo, hi, &x)) return false;
    *out = static_cast<T>(x);
    return true;
  }
  // An optional boolean: absent leaves *out as it is (its default).
  bool opt_bool(const Napi::Object& o, const std::string& w, const char* k, bool* out) {
    Napi::Value v;
    if (!get(o, w, k, &v)) return false;
    return v.IsUndefined() || boolean(v, w + "." + k, out);
  }
  bool field_u64(const Napi::Object& o, const std::string& w, const char* k, uint64_t* out) {
    Napi::Value v;
    return get(o, w, k, &v) && u64(v, w + "." + k, out);
  }
  bool field_str_array(const Napi::Object& o, const std::string& w, const char* k, size_t max_entries, size_t max_len,
                       bool non_empty, std::vector<std::string>* out) {
    Napi::Value v;
    Napi::Array arr;
    std::string where = w + "." + k;
    if (!get(o, w, k, &v) || !array(v, where, max_entries, &arr)) return false;
    for (uint32_t i = 0; i < arr.Length(); i++) {
      std::string item_where = where + "[" + std::to_string(i) + "]";
      Napi::Value item;
      std::string s;
      if (!element(arr, item_where, i, &item) || !str(item, item_where, max_len, &s)) return false;
      if (non_empty && s.empty()) return fail(item_where, "must not be empty");
      out->push_back(std::move(s));
    }
    return true;
  }
  // Iterates obj.key (an array of objects), calling fn(object, "where.key[i]", i).
  template <typename Fn>
  bool each_object(const Napi::Object& o, const std::string& w, const char* k, Fn fn) {
    Napi::Value v;
    Napi::Array arr;
    std::string where = w + "." + k;
    if (!get(o, w, k, &v) || !array(v, where, kMaxEntries, &arr)) return false;
    for (uint32_t i = 0; i < arr.Length(); i++) {
      std::string item_where = where + "[" + std::to_string(i) + "]";
      Napi::Value item;
      Napi::Object obj;
      if (!element(arr, item_where, i, &item) || !object(item, item_where, &obj)) return false;
      if (!fn(obj, item_where, i)) return false;
    }
    return true;
  }

 private:
  Napi::Env env_;
  std::string error_;
};

}  // namespace tsrun
