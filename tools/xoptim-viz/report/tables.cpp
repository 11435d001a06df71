#include "tables.hpp"

#include <optional>
#include <sstream>

#include "text.hpp"

namespace xoptim_viz::report
{
    namespace viz = xoptim::viz;

    std::vector<std::string> summary_header()
    {
        return {"lr",
                "optimizer",
                "label",
                "iterations_run",
                "final_loss",
                "optimal_loss",
                "distance_to_optimum",
                "iterations_to_1pct",
                "settled_within_1pct_from",
                "loss_increases",
                "largest_rise",
                "diverged",
                "final_theta0",
                "final_theta1",
                "final_swing",
                "final_step",
                "settling"};
    }

    std::vector<std::string> summary_row(const run_summary& r, const problem_info& info)
    {
        const auto opt = [](const std::optional<std::size_t>& v) { return v ? std::to_string(*v) : std::string(); };
        return {viz::format_full(r.lr),
                std::string(variant_id(r.variant)),
                r.history.name,
                std::to_string(r.history.loss.size() - 1),
                viz::format_full(r.final_loss),
                viz::format_full(info.optimal_loss),
                viz::format_full(r.distance),
                opt(r.reached),
                opt(r.settled),
                std::to_string(r.increases),
                viz::format_full(r.largest_rise),
                r.history.diverged ? "true" : "false",
                viz::format_full(r.history.theta0.back()),
                viz::format_full(r.history.theta1.back()),
                viz::format_full(r.tail_swing),
                viz::format_full(r.tail_step),
                settling_name(settling_of(r))};
    }

    std::vector<std::string> table_row(const run_summary& r)
    {
        return {r.history.name,
                human(r.final_loss),
                human(r.distance),
                optional_count(r.reached),
                settling_text(r),
                std::to_string(r.increases),
                r.history.diverged ? "yes, after " + std::to_string(r.history.loss.size() - 1) : "no"};
    }

    const std::vector<std::string> table_header{
        "optimizer",  "final loss", "distance to optimum", "first within 1%", "settled (or how it ends)",
        "loss rises", "diverged"};

    std::vector<std::pair<std::string, std::string>>
    settings_rows(const settings& s, const problem_info& info, const std::vector<double>& start, const viz::timeline& t)
    {
        std::string lrs;
        for (double lr : s.lrs)
        {
            lrs += lrs.empty() ? "" : ", ";
            lrs += human(lr);
        }
        std::string opts;
        for (std::size_t v : s.chosen)
        {
            opts += opts.empty() ? "" : "; ";
            opts += variant_label(v);
        }
        std::vector<std::pair<std::string, std::string>> rows{
            {"problem", info.name},
            {"loss minimised", info.loss_label},
            {"iterations", std::to_string(s.iterations) + (s.objective ? "" : " (full batch, except mini-batch sgd)")},
            // (std::string("(") + ...: GCC 12 at -O2 warns falsely (-Wrestrict) on "(" + std::string&&.)
            {"start (theta0, theta1)", std::string("(") + human(start[0]) + ", " + human(start[1]) + ")"},
            {"learning rates", lrs},
            {"optimizers", opts},
            {"weight decay", human(s.weight_decay) + " (decoupled: w *= 1 - lr wd)"},
            {"momentum / beta1", human(s.momentum)},
            {"beta2", human(s.beta2)},
            {"eps", human(s.eps)},
            {"LAMB trust ratio", "||w|| / ||u||, capped at 10"},
            {"optimum", info.optimum_name + " (" + human(info.optimum[0]) + ", " + human(info.optimum[1]) + "), loss "
                            + human(info.optimal_loss)},
            {"grid", std::to_string(s.grid_points) + " x " + std::to_string(s.grid_points) + " over ["
                         + human(info.surfaces.front().g.x.front()) + ", " + human(info.surfaces.front().g.x.back())
                         + "] x [" + human(info.surfaces.front().g.y.front()) + ", "
                         + human(info.surfaces.front().g.y.back()) + "]"},
            {"divergence", "loss not finite or above " + human(divergence_growth) + " times its start"},
            {"animation", std::to_string(t.frames) + " frames over " + human(t.duration_s) + " s, looping"},
        };
        if (!s.objective)
        {
            rows.insert(rows.begin() + 1,
                        {"data", "100 points, x ~ U(-1, 1), y = 3 + 5x + U(0, 1), seed " + std::to_string(s.seed)});
            rows.push_back({"mini-batch sgd", "batches of " + std::to_string(s.batch_size)
                                                  + ", reshuffled every epoch (seed " + std::to_string(s.seed) + ")"});
        }
        return rows;
    }

    std::string summary_markdown(const std::vector<run_summary>& runs, const settings& s, const problem_info& info,
                                 const std::vector<double>& start, const viz::timeline& t,
                                 const std::vector<std::string>& verdict)
    {
        std::ostringstream md;
        md << "# Optimizers Visualisation, reproduced\n\n"
           << "Written by `xoptim-viz report`. Settings:\n\n";
        for (const auto& [name, value] : settings_rows(s, info, start, t))
        {
            md << "- " << name << ": " << value << "\n";
        }
        md << "\nColumns: the final loss; the distance from the final parameters to the " << info.optimum_name
           << " optimum; the first iteration whose loss is within 1% of the optimal loss"
           << " (for an optimal loss of 0: within 1% of the starting gap); the iteration from which it stays"
              " there to the end; the number of iterations whose loss rose (by more than 1e-6 of the starting gap);"
              " and whether the run diverged. Settled: from which iteration it stays within 1% of the optimal loss;"
              " otherwise how it moves over the last quarter of the iterations: at rest short of it (its steps have"
              " vanished, e.g. where weight decay moves its fixed point), a wobble (steps under 1% of the start's"
              " distance to the optimum and loss moves of at most 1% of the starting gap), a limit cycle (steps"
              " of 1% or more that no longer bring the loss down) or still descending.\n";
        for (double lr : s.lrs)
        {
            md << "\n## lr = " << human(lr) << "\n\n| " << table_header[0];
            for (std::size_t c = 1; c < table_header.size(); ++c) { md << " | " << table_header[c]; }
            md << " |\n|---";
            for (std::size_t c = 1; c < table_header.size(); ++c) { md << "|---:"; }
            md << "|\n";
            for (const auto& r : runs)
            {
                if (r.lr == lr)
                {
                    const auto row = table_row(r);
                    md << "| " << row[0];
                    for (std::size_t c = 1; c < row.size(); ++c) { md << " | " << row[c]; }
                    md << " |\n";
                }
            }
        }
        md << "\n## Conclusion\n\n";
        for (const auto& line : verdict) { md << line << "\n\n"; }
        return md.str();
    }
}
