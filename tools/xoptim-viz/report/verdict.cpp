#include "verdict.hpp"

#include <cmath>
#include <optional>
#include <sstream>

#include "text.hpp"

namespace xoptim_viz::report
{
    namespace
    {
        /// Why plain sgd at a fixed rate keeps bouncing on the RMSE of a line fit, when it does.
        /// Near the optimum RMSE = sqrt(MSE) has the Hessian H / RMSE*, H = mean([1 x][1 x]^T)
        /// (MSE's is 2 H), so a fixed step is stable there only for lr < 2 RMSE* / lambda_max(H);
        /// further out RMSE grows linearly and its gradient stays bounded, so it cannot run away
        /// either: it settles into a bounce where the two balance.
        std::optional<std::string> fixed_rate_on_rmse(const run_summary& sgd, const problem_info& info)
        {
            if (info.loss_label != "RMSE" || !info.data || settling_of(sgd) != settling::limit_cycle)
            {
                return std::nullopt;
            }
            const auto& x = info.data->x;
            double m1 = 0.0, m2 = 0.0;
            for (double v : x)
            {
                m1 += v;
                m2 += v * v;
            }
            m1 /= static_cast<double>(x.size());
            m2 /= static_cast<double>(x.size());
            const double lambda = (1.0 + m2) / 2.0 + std::sqrt((1.0 - m2) * (1.0 - m2) / 4.0 + m1 * m1);
            const double bound = 2.0 * info.optimal_loss / lambda;
            if (!(sgd.lr > bound)) { return std::nullopt; }
            std::ostringstream o;
            o << "Why a fixed rate keeps bouncing on RMSE: near the optimum RMSE = sqrt(MSE) curves like MSE divided "
                 "by the optimal RMSE (its Hessian is H / RMSE*, with H = mean([1 x][1 x]^T), largest eigenvalue "
              << human(lambda)
              << " here), so a fixed step is stable there only for lr < 2 RMSE* / lambda = " << human(bound)
              << "; further out RMSE grows only linearly and its gradient stays bounded, so the run "
              << "cannot run away either. At lr = " << human(sgd.lr)
              << " it settles into a bounce where the two balance; a decaying rate, or a step scaled to the "
                 "gradient's size, is needed to come closer.";
            return o.str();
        }
    }

    std::vector<std::string> conclusion(const std::vector<run_summary>& runs, const settings& s,
                                        const problem_info& info)
    {
        std::vector<std::string> out;
        const run_summary* lamb = nullptr;
        for (const auto& r : runs)
        {
            if (r.variant == lamb_index && (lamb == nullptr || r.lr > lamb->lr)) { lamb = &r; }
        }
        if (lamb == nullptr)
        {
            out.push_back("The post's conclusion (LAMB converges smoothly at a high learning rate) was not "
                          "checked: the lamb variant was not run.");
            return out;
        }
        const auto find = [&](std::size_t v) -> const run_summary* {
            for (const auto& r : runs)
            {
                if (r.variant == v && r.lr == lamb->lr) { return &r; }
            }
            return nullptr;
        };
        const std::size_t n = s.iterations;
        // Converges: not diverged, within 1% of the optimal loss at the end and staying there.
        // Smoothly: the loss rose in at most 5% of the iterations, never by more than 1% of the
        // initial gap to the optimum.
        const bool converges = !lamb->history.diverged && lamb->settled.has_value();
        const bool smooth = lamb->increases * 20 <= n && lamb->largest_rise <= 0.01;
        const bool holds = converges && smooth;
        std::ostringstream o;
        o << "The post's conclusion " << (holds ? "HOLDS" : "DOES NOT HOLD") << " here at lr = " << human(lamb->lr)
          << ": real LAMB (trust ratio capped at 10) "
          << (lamb->history.diverged ? "diverged after iteration " + std::to_string(lamb->history.loss.size() - 1)
                                     : "ran " + std::to_string(n) + " iterations")
          << " and ended at " << info.loss_label << " " << human(lamb->final_loss) << " (optimal "
          << human(info.optimal_loss) << "), " << human(lamb->distance) << " from the " << info.optimum_name
          << " optimum; it first came within 1% of the optimal loss at iteration " << optional_count(lamb->reached)
          << (lamb->settled ? " and stayed there from iteration " + std::to_string(*lamb->settled)
                            : " but did not stay there")
          << "; its loss rose in " << lamb->increases << " of " << n << " iterations (largest rise "
          << percent(lamb->largest_rise) << " of the initial gap).";
        out.push_back(o.str());
        if (!holds)
        {
            std::ostringstream why;
            why << "Criteria: converges = not diverged and within 1% of the optimal loss from some iteration "
                   "to the end ("
                << yes_no(converges) << "); smoothly = the loss rose in at most 5% of the iterations and never by "
                << "more than 1% of the initial gap (" << yes_no(smooth) << ").";
            out.push_back(why.str());
        }
        if (const run_summary* adam = find(adam_index))
        {
            std::ostringstream a;
            a << "The post's \"LAMB\" curves came from Adam (the notebook passed the Adam optimizer to its LAMB "
                 "run). Adam + wd at the same rate: "
              << (adam->history.diverged ? "diverged" : "final " + info.loss_label + " " + human(adam->final_loss))
              << ", distance " << human(adam->distance) << ", within 1% first at iteration "
              << optional_count(adam->reached) << ", "
              << (adam->settled ? "settled from " + std::to_string(*adam->settled) : settling_text(*adam))
              << ", loss rose in " << adam->increases << " iterations.";
            out.push_back(a.str());
        }
        if (const run_summary* sgd = find(sgd_index))
        {
            std::ostringstream g;
            g << "Plain sgd at the same rate: "
              << (sgd->history.diverged ? "diverged" : "final " + info.loss_label + " " + human(sgd->final_loss))
              << ", distance " << human(sgd->distance) << ", within 1% first at iteration "
              << optional_count(sgd->reached) << ", " << settling_text(*sgd) << ".";
            out.push_back(g.str());
            if (const auto why = fixed_rate_on_rmse(*sgd, info)) { out.push_back(*why); }
        }
        return out;
    }
}
