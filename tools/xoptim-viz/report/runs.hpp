#pragma once
// The report's runs: what it knows about the problem, one run of one variant at one rate, and
// the numbers measured on it (first within 1% of the optimal loss, settled, rises).

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
        };
        std::vector<surface> surfaces;
        std::size_t main_surface = 0;  ///< the one the runs minimise
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
    };

    /// The distance from (a, b) to the optimum (to the nearest of several minima).
    double distance_to(const problem_info& info, double a, double b);

    /// Fills r's numbers from its history.
    void measure(run_summary& r, const problem_info& info);

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
