// The ChildPlan turned back into a JS InitPlan, for the contract test
// (test/unit/plan-contract.test.ts): what the child would see, spelled with the
// TypeScript field names. Parent side only; never called on the spawn path.
#pragma once

#include <napi.h>

#include "plan.h"

namespace tsrun {

Napi::Object plan_echo(Napi::Env env, const ChildPlan& p);

}  // namespace tsrun
