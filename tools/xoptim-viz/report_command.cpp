// xoptim-viz report: reproduces the post "Optimizers Visualisation" with its notebook's settings:
// the data and its least-squares line, the loss surfaces, per learning rate the loss of every
// variant per iteration, an animation per variant, all paths on one map, a summary (CSV and
// Markdown) that checks the post's conclusion with numbers, and index.html showing all of it.
// The pieces are in report/: flags, variants, runs (and their measures), the verdict, the
// tables, the figures and the writer; this file makes the problem and runs them.

#include <algorithm>
#include <array>
#include <chrono>
#include <ostream>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include <xoptim/losses/mae.hpp>
#include <xoptim/losses/mse.hpp>
#include <xoptim/losses/rmse.hpp>
#include <xoptim/problems/linear_regression.hpp>
#include <xoptim/problems/seed_data.hpp>
#include <xoptim/problems/test_functions.hpp>
#include <xoptim/viz/surface.hpp>

#include "cli.hpp"
#include "report/flags.hpp"
#include "report/least_absolute_deviations.hpp"
#include "report/runs.hpp"
#include "report/text.hpp"
#include "report/writer.hpp"

namespace xoptim_viz
{
    namespace
    {
        namespace viz = xoptim::viz;
        using namespace report;

        template <class Problem>
        int run_and_write(const Problem& problem, const problem_info& info, const settings& s, const vector& start,
                          std::ostream& out)
        {
            const auto started = std::chrono::steady_clock::now();
            const auto runs = run_all(problem, s, info, start);
            problem_info with_inset = info;
            if (const auto r = inset_range(runs, info))
            {
                const auto& main = info.surfaces[info.main_surface];
                vector theta = xt::zeros<double>({std::size_t{2}});
                auto g = viz::sample_grid((*r)[0], 60, (*r)[1], 60, [&](double a, double b) {
                    theta(0) = a;
                    theta(1) = b;
                    return problem.value(theta);
                });
                const auto [lo, hi] = std::minmax_element(g.z.begin(), g.z.end());
                const bool log = *lo > 0.0 && *hi > 1.5 * *lo;
                with_inset.inset = problem_info::surface{main.id + "_inset", main.label,   std::move(g),
                                                         map_options(log),   main.optimum, main.optimum_label};
            }
            write_report(runs, with_inset, s, {start(0), start(1)}, out, started);
            return exit_ok;
        }

        template <class Loss>
        xoptim::linear_regression<Loss> regression(const xoptim::dataset& d)
        {
            return xoptim::linear_regression<Loss>(d);
        }

        int report_regression(const settings& s, std::ostream& out)
        {
            const xoptim::dataset data = xoptim::seed_data(s.seed);
            const auto mse_p = regression<xoptim::mse>(data);
            const auto rmse_p = regression<xoptim::rmse>(data);
            const auto mae_p = regression<xoptim::mae>(data);
            const auto ls = mse_p.least_squares();

            problem_info info;
            info.name = "linear regression on the seed's data set";
            info.loss_label = upper(s.loss);
            figures::scatter_data d;
            for (std::size_t i = 0; i < data.size(); ++i)
            {
                d.x.push_back(data.x(i, 0));
                d.y.push_back(data.y(i));
            }
            d.reference = figures::line2{ls(0), ls(1)};
            info.data = d;
            const viz::range box{-20.0, 20.0};
            const auto sample = [&](const auto& p) {
                vector theta = xt::zeros<double>({std::size_t{2}});
                return viz::sample_grid(box, s.grid_points, box, s.grid_points, [&](double a, double b) {
                    theta(0) = a;
                    theta(1) = b;
                    return p.value(theta);
                });
            };
            const auto lad = least_absolute_deviations(mae_p);
            const viz::point ls_point{ls(0), ls(1)};
            const viz::point lad_point{lad[0], lad[1]};
            info.surfaces.push_back({"mse", "MSE", sample(mse_p), map_options(true), ls_point, "least squares"});
            info.surfaces.push_back({"rmse", "RMSE", sample(rmse_p), map_options(true), ls_point, "least squares"});
            info.surfaces.push_back(
                {"mae", "MAE", sample(mae_p), map_options(true), lad_point, "least absolute deviations"});
            if (s.loss == "mae")
            {
                info.optimum = lad;
                info.optimum_name = "least absolute deviations";
                info.optimal_loss = mae_p.value(vector{lad[0], lad[1]});
                info.main_surface = 2;
            }
            else
            {
                info.optimum = {ls(0), ls(1)};
                info.optimum_name = "least squares";
                info.optimal_loss = s.loss == "mse" ? mse_p.value(ls) : rmse_p.value(ls);
                info.main_surface = s.loss == "mse" ? 0 : 1;
            }
            const auto init = s.init.value_or(regression_start);
            const vector start{init[0], init[1]};
            if (s.loss == "mse") { return run_and_write(mse_p, info, s, start, out); }
            if (s.loss == "mae") { return run_and_write(mae_p, info, s, start, out); }
            return run_and_write(rmse_p, info, s, start, out);
        }

        int report_objective(const settings& s, std::ostream& out)
        {
            const auto function = xoptim::make_test_function(*s.objective);
            if (!function)
            {
                throw usage_error("unknown objective '" + *s.objective
                                  + "' (choose from: " + join(xoptim::test_function_names) + ")");
            }
            return std::visit(
                [&](const auto& f) {
                    problem_info info;
                    info.name = std::string("the 2-D test function ") + *s.objective;
                    info.loss_label = "f";
                    info.minima = f.minima();
                    const auto best = std::min_element(info.minima.begin(), info.minima.end(),
                                                       [](const auto& a, const auto& b) { return a.value < b.value; });
                    info.optimum = {best->x, best->y};
                    info.optimal_loss = best->value;
                    info.optimum_name = "nearest known minimum";
                    const auto vb = f.view_box();
                    vector theta = xt::zeros<double>({std::size_t{2}});
                    viz::grid g = viz::sample_grid({vb.x_min, vb.x_max}, s.grid_points, {vb.y_min, vb.y_max},
                                                   s.grid_points, [&](double a, double b) {
                                                       theta(0) = a;
                                                       theta(1) = b;
                                                       return f.value(theta);
                                                   });
                    const auto [lo, hi] = std::minmax_element(g.z.begin(), g.z.end());
                    const bool log = *lo >= 0.0 && *hi > 100.0 * std::max(*lo, 1e-12);
                    info.surfaces.push_back({std::string(*s.objective), *s.objective, std::move(g), map_options(log),
                                             viz::point{best->x, best->y}, "minimum"});
                    const auto st = f.start();
                    const auto init = s.init.value_or(std::array<double, 2>{st[0], st[1]});
                    return run_and_write(f, info, s, vector{init[0], init[1]}, out);
                },
                *function);
        }
    }  // namespace

    int report_command(std::span<const std::string> args, std::ostream& out, std::ostream& err)
    {
        try
        {
            for (const auto& a : args)
            {
                if (a == "--help")
                {
                    print_report_help(out);
                    return exit_ok;
                }
            }
            const settings s = read_settings(args);
            if (s.objective) { return report_objective(s, out); }
            return report_regression(s, out);
        }
        catch (const usage_error& e)
        {
            err << "xoptim-viz report: " << e.what() << "\n";
            return exit_usage;
        }
    }

}  // namespace xoptim_viz
