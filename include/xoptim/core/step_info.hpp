#pragma once
// What a rule may know about the step it is taking: computed once per step, never per element.

#include <cstdint>

namespace xoptim
{
    // The step being taken, counted from 1 (PyTorch's `step` after its increment).
    struct step_info
    {
        std::uint64_t step = 1;
    };
}
