#pragma once
// The report's runs: what it knows about the problem, one run of one variant at one rate, and
// the numbers measured on it (first within 1% of the optimal loss, settled, rises).

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <xoptim/fit.hpp>
#include <xoptim/problems/test_functions.hpp>
#include <xoptim/viz/contour.hpp>
#include <xoptim/viz/csv.hpp>

#include "../cli.hpp"
#include "figures.hpp"
#include "settings.hpp"
#include "variants.hpp"

namespace xoptim_viz::report
{
    /// What the report needs to know about the problem, whatever it is.
    struct problem_info
    {
        std::string name;             ///< "the seed's data set" or the function's name
        std::string loss_label;       ///< "RMSE", or "f"
        std::vector<double> optimum;  ///< theta* (2 values)
        double optimal_loss = 0.0;
        std::string optimum_name;            ///< "least squares", "least absolute deviations", "minimum"
        std::vector<xoptim::point2> minima;  ///< test functions: every known minimum
        std::optional<figures::scatter_data> data;
        struct surface
        {
            std::string id;     ///< "mse"
            std::string label;  ///< "MSE"
            xoptim::viz::grid g;
            xoptim::viz::contour_options map;
            xoptim::viz::point optimum;  ///< this loss's own optimum, marked on its map
            std::string optimum_label;   ///< "least squares", "least absolute deviations", "minimum"
        };
        std::vector<surface> surfaces;
        std::size_t main_surface = 0;  ///< the one the runs minimise
        std::optional<surface> inset;  ///< the main surface zoomed around the optimum (inset_range)
    };

    /// One run and its numbers.
    struct run_summary
    {
        std::size_t variant = 0;
        double lr = 0.0;
        figures::run_history history;
        std::string message;
        double final_loss = 0.0;
        double distance = 0.0;
        std::optional<std::size_t> reached;  ///< first iteration within 1% of the optimal loss
        std::optional<std::size_t> settled;  ///< from this iteration on it stays within 1%
        std::size_t increases = 0;           ///< iterations whose loss rose (by > 1e-6 of the gap)
        double largest_rise = 0.0;           ///< the largest rise, as a fraction of the initial gap
        double tail_swing = 0.0;             ///< max - min of the loss over the last quarter, as a fraction of the gap
        std::size_t tail_rises = 0;          ///< rises among the last quarter's iterations
        std::size_t tail_length = 0;         ///< iterations in the last quarter
        double tail_step = 0.0;  ///< mean step length over the last quarter, as a fraction of the start's distance
    };

    /// How a run ends, separating a small wobble from a limit cycle.
    enum class settling
    {
        settled,           ///< within 1% of the optimal loss from some iteration to the end
        at_rest,           ///< its steps have vanished short of that (e.g. weight decay moves its fixed point)
        wobble,            ///< small steps (< 1% of the start's distance) and loss moves (<= 1% of the gap)
        limit_cycle,       ///< steps of 1% of the start's distance or more that no longer bring the loss down
        still_descending,  ///< its loss still falls by more than 1% of the gap over the last quarter
        diverged,
    };

    settling settling_of(const run_summary& r);

    /// "settled", "wobble", "limit cycle", "still descending", "diverged" (summary.csv).
    std::string settling_name(settling s);

    /// For people: "from 42", "wobble", "limit cycle (steps 3.1% of the start's distance)", ...
    std::string settling_text(const run_summary& r);

    /// The distance from (a, b) to the optimum (to the nearest of several minima).
    double distance_to(const problem_info& info, double a, double b);

    /// Fills r's numbers from its history.
    void measure(run_summary& r, const problem_info& info);

    /// The range of an inset around the optimum, when some runs end near it (within 10% of the
    /// map's span): centred on the optimum, 1.3 times as wide as the farthest of those runs'
    /// last quarter of iterates, at least 1% of the map; none when it would cover more than a
    /// quarter of the map, or no run ends near the optimum.
    std::optional<std::array<xoptim::viz::range, 2>> inset_range(const std::vector<run_summary>& runs,
                                                                 const problem_info& info);

    /// Contour levels for a map: 14 of them, spaced in log or linearly.
    xoptim::viz::contour_options map_options(bool log);

    /// Runs variant v at rate lr from `start` on `problem` and measures it.
    template <class Problem>
    run_summary run_variant(const Problem& problem, std::size_t v, double lr, const settings& s,
                            const problem_info& info, const vector& start)
    {
        run_summary r;
        r.variant = v;
        r.lr = lr;
        vector theta = start;
        xoptim::fit_options o;
        o.steps = s.iterations;
        o.seed = s.seed;
        if (v == minibatch_index) { o.batch_size = s.batch_size; }
        any_optimizer opt = make_variant(v, lr, s);
        const auto result = xoptim::fit(problem, opt, theta, o, xoptim::stop_on_divergence(divergence_growth));
        if (result.history.empty())
        {
            // Not even the start is finite: no run can be drawn or measured (every run starts there).
            throw usage_error("--init " + xoptim::viz::format_full(start(0)) + "," + xoptim::viz::format_full(start(1))
                              + ": the loss or its gradient is not finite at the start (" + result.message
                              + "), so no run can start");
        }
        auto& h = r.history;
        h.name = std::string(variant_label(v));
        if (v == minibatch_index) { h.name += " (batch " + std::to_string(s.batch_size) + ")"; }
        h.planned = s.iterations;
        h.diverged = result.reason == xoptim::stop_reason::diverged;
        h.colour = variant_colour(v);
        h.dash = std::string(variant_dash(v));
        for (const auto& rec : result.history)
        {
            h.theta0.push_back(rec.theta(0));
            h.theta1.push_back(rec.theta(1));
            h.loss.push_back(rec.loss);
        }
        r.message = result.message;
        measure(r, info);
        return r;
    }

    /// Every chosen variant at every rate, rates outermost.
    template <class Problem>
    std::vector<run_summary> run_all(const Problem& problem, const settings& s, const problem_info& info,
                                     const vector& start)
    {
        std::vector<run_summary> runs;
        for (double lr : s.lrs)
        {
            for (std::size_t v : s.chosen) { runs.push_back(run_variant(problem, v, lr, s, info, start)); }
        }
        return runs;
    }
}
