// Parent side only: JS InitPlan -> ChildPlan in one arena (see plan.h). Runs before clone3.
#pragma once

#include <napi.h>

#include <string>

#include "plan.h"

namespace tsrun {

// One heap block holding the ChildPlan and everything it points to.
class PlanArena {
 public:
  PlanArena() = default;
  PlanArena(const PlanArena&) = delete;
  PlanArena& operator=(const PlanArena&) = delete;
  ~PlanArena();

  const ChildPlan* plan() const { return plan_; }
  // spawn rewrites fd numbers in place (fds.cc) before it clones.
  ChildPlan* mutable_plan() { return plan_; }

 private:
  friend bool plan_build(Napi::Value value, PlanArena* out, std::string* error);
  char* block_ = nullptr;
  ChildPlan* plan_ = nullptr;
};

// Converts and checks `value` (a JS InitPlan). On failure returns false with a message
// naming the field ("plan.mounts[2].destination: expected a string").
bool plan_build(Napi::Value value, PlanArena* out, std::string* error);

}  // namespace tsrun
