#pragma once
// The named-optimizer registry of any_optimizer.hpp, compiled here for float and double: include
// this header in exactly one translation unit of a program whose other units define
// XOPTIM_ANY_OPTIMIZER_EXTERN (they then call into it instead of compiling every optimizer).

#include "any_optimizer.hpp"

namespace xoptim
{
    template const std::vector<optimizer_entry<double>>& optimizer_registry<double>();
    template const std::vector<optimizer_entry<float>>& optimizer_registry<float>();
}
