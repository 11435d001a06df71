#pragma once
// xoptim-viz fit --optimizer lbfgs: L-BFGS is not an elementwise optimizer (it takes a closure
// and runs several evaluations per step), so it has its own flags, builder and loop here; the
// problems, the CSV rows and the exit statuses are the fit command's.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <limits>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>

#include <xtensor/xtensor.hpp>

#include <xoptim/io/lbfgs_checkpoint.hpp>
#include <xoptim/lbfgs.hpp>
#include <xoptim/problems/objective.hpp>

#include "cli.hpp"
#include "command_line.hpp"
#include "hyperparameter_flags.hpp"
#include "optimizer_table.hpp"

namespace xoptim_viz
{

    /// The group of lbfgs's own flags on a command line.
    inline constexpr const char* lbfgs_group = "lbfgs";

    /// The flags only lbfgs takes, torch's argument names with '-' (it also takes --lr), bound to
    /// `o`: its values (torch's defaults, xoptim::lbfgs_options) are the defaults --help shows.
    inline void add_lbfgs_flags(command_line& line, xoptim::lbfgs_options& o)
    {
        line.set_group(lbfgs_group);
        line.add_count<std::int64_t>("--max-iter", o.max_iter, "N", "iterations per step (lbfgs)");
        line.add_count<std::int64_t>("--max-eval", o.max_eval, "N", "closure evaluations per step (lbfgs)", {},
                                     "max_iter * 5 / 4");
        line.add_number("--tolerance-grad", o.tolerance_grad, "a step ends when max |gradient| <= X (lbfgs)");
        line.add_number("--tolerance-change", o.tolerance_change,
                        "a step ends when the loss or the step changes less (lbfgs)");
        line.add_count<std::int64_t>("--history-size", o.history_size, "N", "pairs (s, y) kept (lbfgs)");
        line.add_value(
            "--line-search", "NAME", "strong_wolfe, or none: fixed steps of lr (lbfgs)",
            [&o](const std::string& text) {
                try
                {
                    o.line_search_fn = xoptim::parse_line_search(text);
                }
                catch (const std::invalid_argument& e)
                {
                    throw usage_error(e.what());
                }
            },
            xoptim::to_string(o.line_search_fn));
        line.set_group({});
    }

    /// lbfgs and its defaults for the help, e.g. "--lr 1 --max-iter 20 ... [--line-search strong_wolfe]".
    inline std::string lbfgs_defaults(const xoptim::lbfgs_options& o = {})
    {
        return "--lr " + shortest_number(o.lr) + " --max-iter " + std::to_string(o.max_iter) + " --max-eval "
               + std::to_string(o.resolved_max_eval()) + " --tolerance-grad " + shortest_number(o.tolerance_grad)
               + " --tolerance-change " + shortest_number(o.tolerance_change) + " --history-size "
               + std::to_string(o.history_size) + " [--line-search strong_wolfe]";
    }

    /// Any of lbfgs's own flags given to another optimizer is an error.
    inline void reject_lbfgs_flags(std::string_view optimizer, const command_line& line)
    {
        for (const auto& name : line.names_in(lbfgs_group))
        {
            if (line.has(name))
            {
                throw usage_error(name + " does not apply to " + std::string(optimizer) + " (only lbfgs takes it)");
            }
        }
    }

    /// L-BFGS from `o` (lbfgs's own flags) and --lr; usage_error on another hyperparameter flag
    /// or an invalid value.
    inline xoptim::lbfgs<double> make_lbfgs(const command_line& line, xoptim::lbfgs_options o,
                                            const hyperparameter_values& given)
    {
        for (const auto& f : hyperparameter_flags())
        {
            if (f.name != "--lr" && given.count(f.name) != 0)
            {
                throw usage_error(std::string(f.name) + " does not apply to lbfgs (it takes --lr, "
                                  + join(line.names_in(lbfgs_group)) + ")");
            }
        }
        if (const auto lr = given.find("--lr"); lr != given.end()) { o.lr = lr->second; }
        try
        {
            return xoptim::lbfgs<double>(o);
        }
        catch (const std::invalid_argument& e)
        {
            throw usage_error(e.what());
        }
    }

    struct lbfgs_run
    {
        xoptim::lbfgs<double> optimizer;
        std::size_t steps = 100;  ///< calls of step(closure): --epochs
        std::optional<std::string> checkpoint;
        std::optional<std::string> resume;
        bool writes_files = true;
        xoptim::checkpoint_identity made_on = {};  ///< what a checkpoint records and a resume checks
    };

    /// One row per call of step(closure): the parameters after it, the loss there (evaluated for
    /// the row, not counted), and the optimizer's func_evals and n_iter so far. Row 0 is the start.
    template <class Problem>
    int run_lbfgs(const Problem& problem, lbfgs_run& s, vector& theta, std::ostream& out, std::ostream& err)
    {
        std::size_t first = 0;
        if (s.resume)
        {
            const xoptim::lbfgs_options wanted = s.optimizer.options();
            try
            {
                xoptim::lbfgs<double> loaded = s.optimizer;
                vector t = theta;
                xoptim::load_checkpoint(*s.resume, loaded, t, s.made_on);
                if (!(loaded.options() == wanted))
                {
                    std::string diff;
                    for (const auto& name : loaded.hyperparameter_names())
                    {
                        if (diff.empty() && loaded.get(name) != s.optimizer.get(name))
                        {
                            diff = name + ": expected " + format_number(s.optimizer.get(name)) + ", found "
                                   + format_number(loaded.get(name));
                        }
                    }
                    throw xoptim::checkpoint_error("hyperparameters differ from the command line's: " + diff);
                }
                s.optimizer = std::move(loaded);
                theta = std::move(t);
            }
            catch (const xoptim::checkpoint_error& e)
            {
                throw usage_error("--resume " + *s.resume + ": " + e.what());
            }
            first = static_cast<std::size_t>(s.optimizer.step_count());
        }
        if (theta.size() != problem.dimension())
        {
            throw usage_error("theta: size " + std::to_string(theta.size()) + ", expected "
                              + std::to_string(problem.dimension()));
        }
        vector grad = xt::zeros<double>({theta.size()});
        const auto closure = [&](const vector& w, auto& g) {
            const double loss = xoptim::value_and_gradient(problem, w, grad);
            std::copy(grad.begin(), grad.end(), g.begin());
            return loss;
        };
        // Appended piece by piece: GCC 12 at -O3 warns (-Wrestrict, a false positive) on
        // `"," + std::string` inlined here.
        std::string header = "step";
        for (std::size_t i = 0; i < theta.size(); ++i) { header.append(",theta").append(std::to_string(i)); }
        out << header << ",loss,func_evals,n_iter\n";
        const auto row = [&](std::size_t step, double loss) {
            std::string line = std::to_string(step);
            for (std::size_t i = 0; i < theta.size(); ++i) { line.append(",").append(format_number(theta(i))); }
            line.append(",").append(format_number(loss));
            line.append(",").append(std::to_string(s.optimizer.func_evals()));
            line.append(",").append(std::to_string(s.optimizer.n_iter())).append("\n");
            out << line;
        };
        const auto finite = [&](double loss) {
            return std::isfinite(loss)
                   && std::all_of(theta.begin(), theta.end(), [](double v) { return std::isfinite(v); });
        };
        double loss = xoptim::value_and_gradient(problem, theta, grad);
        row(first, loss);
        for (std::size_t k = 1; k <= s.steps; ++k)
        {
            s.optimizer.step(theta, closure);
            loss = xoptim::value_and_gradient(problem, theta, grad);
            if (!finite(loss))
            {
                out.flush();
                err << "xoptim-viz fit: diverged at step " << first + k << ": the "
                    << (std::isfinite(loss) ? "parameters are" : "loss is") << " not finite\n";
                return exit_diverged;
            }
            row(first + k, loss);
        }
        out.flush();
        if (s.checkpoint && s.writes_files)
        {
            try
            {
                xoptim::save_checkpoint(*s.checkpoint, s.optimizer, theta, s.made_on);
            }
            catch (const xoptim::checkpoint_error& e)
            {
                err << "xoptim-viz fit: --checkpoint " << *s.checkpoint << ": " << e.what() << "\n";
                return exit_failure;
            }
        }
        return exit_ok;
    }

}  // namespace xoptim_viz
