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

    // The largest step count (and skip count) a checkpoint may hold: 2^53, the last count every
    // step number up to which a double holds exactly (bias corrections and schedules compute in
    // double). Larger counts, and 2^64 - 1, whose next step would wrap to 0, are refused on load.
    inline constexpr std::uint64_t max_step_count = std::uint64_t(1) << 53;
}
