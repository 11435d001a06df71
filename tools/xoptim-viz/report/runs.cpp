#include "runs.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace xoptim_viz::report
{
    double distance_to(const problem_info& info, double a, double b)
    {
        if (info.minima.empty()) { return std::hypot(a - info.optimum[0], b - info.optimum[1]); }
        double best = std::numeric_limits<double>::infinity();
        for (const auto& m : info.minima) { best = std::min(best, std::hypot(a - m.x, b - m.y)); }
        return best;
    }

    void measure(run_summary& r, const problem_info& info)
    {
        const auto& loss = r.history.loss;
        const double best = info.optimal_loss;
        const double gap = loss.front() - best;
        const double target = best != 0.0 ? best + 0.01 * std::abs(best) : best + 0.01 * gap;
        r.final_loss = loss.back();
        r.distance = distance_to(info, r.history.theta0.back(), r.history.theta1.back());
        for (std::size_t k = 0; k < loss.size(); ++k)
        {
            if (loss[k] <= target)
            {
                if (!r.reached) { r.reached = k; }
                if (!r.settled) { r.settled = k; }
            }
            else { r.settled.reset(); }
            if (k > 0)
            {
                const double rise = loss[k] - loss[k - 1];
                if (gap > 0.0 && rise > 1e-6 * gap)
                {
                    ++r.increases;
                    r.largest_rise = std::max(r.largest_rise, rise / gap);
                }
            }
        }
        if (r.history.diverged) { r.settled.reset(); }
    }

    xoptim::viz::contour_options map_options(bool log)
    {
        xoptim::viz::contour_options co;
        co.level_count = 14;
        co.spacing = log ? xoptim::viz::level_spacing::log : xoptim::viz::level_spacing::linear;
        return co;
    }
}
