#include "runs.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
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
        // The last quarter of the iterations (at least two entries).
        const std::size_t n = loss.size();
        const std::size_t first = n - std::max<std::size_t>(2, std::min(n, (n - 1) / 4 + 1));
        const auto [lo, hi] = std::minmax_element(loss.begin() + static_cast<std::ptrdiff_t>(first), loss.end());
        const double scale = gap > 0.0 ? gap : std::max(std::abs(best), 1.0);
        r.tail_swing = (*hi - *lo) / scale;
        r.tail_length = n - 1 - first;
        r.tail_rises = 0;
        double steps = 0.0;
        for (std::size_t k = first + 1; k < n; ++k)
        {
            if (loss[k] - loss[k - 1] > 1e-6 * scale) { ++r.tail_rises; }
            steps += std::hypot(r.history.theta0[k] - r.history.theta0[k - 1],
                                r.history.theta1[k] - r.history.theta1[k - 1]);
        }
        const double start_distance = distance_to(info, r.history.theta0.front(), r.history.theta1.front());
        r.tail_step = steps / static_cast<double>(r.tail_length) / (start_distance > 0.0 ? start_distance : 1.0);
    }

    std::optional<std::array<xoptim::viz::range, 2>> inset_range(const std::vector<run_summary>& runs,
                                                                 const problem_info& info)
    {
        const auto& g = info.surfaces[info.main_surface].g;
        const double span_x = g.x.back() - g.x.front();
        const double span_y = g.y.back() - g.y.front();
        const double ox = info.optimum[0];
        const double oy = info.optimum[1];
        double reach = 0.0;  // as a fraction of the spans
        bool any = false;
        for (const auto& r : runs)
        {
            const auto& h = r.history;
            if (h.diverged) { continue; }
            const double ex = std::abs(h.theta0.back() - ox) / span_x;
            const double ey = std::abs(h.theta1.back() - oy) / span_y;
            if (std::max(ex, ey) > 0.1) { continue; }
            any = true;
            for (std::size_t k = h.loss.size() - (h.loss.size() + 3) / 4; k < h.loss.size(); ++k)
            {
                reach = std::max({reach, std::abs(h.theta0[k] - ox) / span_x, std::abs(h.theta1[k] - oy) / span_y});
            }
        }
        const double half = std::max(1.3 * reach, 0.01);
        if (!any || half > 0.25) { return std::nullopt; }
        return std::array<xoptim::viz::range, 2>{xoptim::viz::range{ox - half * span_x, ox + half * span_x},
                                                 xoptim::viz::range{oy - half * span_y, oy + half * span_y}};
    }

    settling settling_of(const run_summary& r)
    {
        if (r.history.diverged) { return settling::diverged; }
        if (r.settled) { return settling::settled; }
        if (r.tail_step < 1e-6) { return settling::at_rest; }
        if (r.tail_step < 0.01 && r.tail_swing <= 0.01) { return settling::wobble; }
        const bool falling = r.tail_swing > 0.01 && r.tail_rises * 4 < r.tail_length;
        return falling ? settling::still_descending : settling::limit_cycle;
    }

    std::string settling_name(settling s)
    {
        switch (s)
        {
        case settling::settled: return "settled";
        case settling::at_rest: return "at rest";
        case settling::wobble: return "wobble";
        case settling::limit_cycle: return "limit cycle";
        case settling::still_descending: return "still descending";
        case settling::diverged: return "diverged";
        }
        return "";
    }

    std::string settling_text(const run_summary& r)
    {
        const settling s = settling_of(r);
        if (s == settling::settled) { return "from " + std::to_string(*r.settled); }
        if (s == settling::diverged) { return "diverged"; }
        char text[96];
        switch (s)
        {
        case settling::at_rest: return "at rest short of it";
        case settling::limit_cycle:
            std::snprintf(text, sizeof text, "limit cycle (steps of %.2g%% of the start's distance)",
                          100.0 * r.tail_step);
            return text;
        case settling::wobble:
            std::snprintf(text, sizeof text, "wobble (steps of %.2g%% of the start's distance)", 100.0 * r.tail_step);
            return text;
        default: return settling_name(s);
        }
    }

    xoptim::viz::contour_options map_options(bool log)
    {
        xoptim::viz::contour_options co;
        co.level_count = 14;
        co.spacing = log ? xoptim::viz::level_spacing::log : xoptim::viz::level_spacing::linear;
        return co;
    }
}
