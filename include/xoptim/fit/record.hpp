#pragma once
// What the fit loop reports: one record per step, why it stopped, and what callbacks return.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <xtensor/xtensor.hpp>

namespace xoptim
{

    /// The state after `step` optimizer steps (step 0: the start).
    struct fit_record
    {
        std::size_t step = 0;
        std::size_t epoch = 0;         ///< the epoch the step belonged to (0 for the start)
        xt::xtensor<double, 1> theta;  ///< the parameters after `step` steps
        double loss = 0.0;             ///< the objective at theta, over the whole data set
        double gradient_norm = 0.0;    ///< the L2 norm of the full gradient at theta
        double learning_rate = 0.0;    ///< the rate step `step` used (row 0: the first step's),
                                       ///< NaN when the optimizer does not tell
    };

    enum class stop_reason
    {
        completed,  ///< every planned step ran
        converged,  ///< a tolerance was reached (stop_at_tolerance)
        diverged,   ///< a non-finite loss, gradient or parameter, or a loss that grew too much
        stopped,    ///< a callback asked to stop for its own reason
    };

    constexpr std::string_view to_string(stop_reason r) noexcept
    {
        switch (r)
        {
        case stop_reason::completed: return "completed";
        case stop_reason::converged: return "converged";
        case stop_reason::diverged: return "diverged";
        case stop_reason::stopped: return "stopped";
        }
        return "unknown";
    }

    /// A callback's answer: go on, or stop with a reason and a message.
    struct fit_signal
    {
        bool stop = false;
        stop_reason reason = stop_reason::completed;
        std::string message;

        static fit_signal proceed() { return {}; }
        static fit_signal halt(stop_reason why, std::string message) { return {true, why, std::move(message)}; }
    };

    /// What the loop is about to do, given to callbacks before the first step.
    struct fit_plan
    {
        std::size_t total_steps = 0;      ///< the steps planned (fewer run if something stops it)
        std::size_t steps_per_epoch = 1;  ///< batches per epoch (1 for full batch)
        std::size_t batch_size = 0;       ///< samples per batch (0: full batch)
        std::size_t dimension = 0;        ///< number of parameters
    };

    struct fit_result
    {
        std::vector<fit_record> history;  ///< rows 0..steps (only the last one if history is off)
        stop_reason reason = stop_reason::completed;
        std::string message;    ///< why it stopped, in words (empty when completed)
        std::size_t steps = 0;  ///< optimizer steps taken whose results were recorded

        const fit_record& last() const { return history.back(); }
    };

}  // namespace xoptim
