// xoptim-viz report: reproduces the post "Optimizers Visualisation" with its notebook's settings:
// the data and its least-squares line, the loss surfaces, per learning rate the loss of every
// variant per iteration, an animation per variant, all paths on one map, a summary (CSV and
// Markdown) that checks the post's conclusion with numbers, and index.html showing all of it.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <optional>
#include <ostream>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <xoptim/any_optimizer.hpp>
#include <xoptim/core/chain.hpp>
#include <xoptim/core/optimizer.hpp>
#include <xoptim/fit.hpp>
#include <xoptim/losses/mae.hpp>
#include <xoptim/losses/mse.hpp>
#include <xoptim/losses/rmse.hpp>
#include <xoptim/optimizers.hpp>
#include <xoptim/problems/linear_regression.hpp>
#include <xoptim/problems/seed_data.hpp>
#include <xoptim/problems/test_functions.hpp>
#include <xoptim/rules/add_decayed_weights.hpp>
#include <xoptim/rules/ewma.hpp>
#include <xoptim/rules/scale_by_adam.hpp>
#include <xoptim/rules/scale_by_lr.hpp>
#include <xoptim/rules/trace.hpp>
#include <xoptim/viz/csv.hpp>
#include <xoptim/viz/figures.hpp>
#include <xoptim/viz/html.hpp>
#include <xoptim/viz/surface.hpp>

#include "cli.hpp"
#include "explore_page.hpp"
#include "optimizer_table.hpp"

namespace xoptim_viz
{
    namespace
    {

        namespace fs = std::filesystem;
        namespace viz = xoptim::viz;

        constexpr std::string_view usage =
            "xoptim-viz report [--out DIR] [--lr X,Y,...] [--iterations N] [--loss mse|rmse|mae]\n"
            "                         [--init A,B] [--optimizers NAME,...] [--frames N]\n"
            "                         [--objective NAME] [--log-scale] [--batch-size B] [--seed N]\n"
            "                         [--weight-decay X] [--momentum X] [--beta2 X] [--eps X] [--grid N]";

        constexpr std::string_view description =
            "Reproduces the post \"Optimizers Visualisation\" with its notebook's settings and writes\n"
            "into DIR (default build/report): data.svg (the data and the least-squares line);\n"
            "surface_<loss>.svg and contour_<loss>.svg for MSE, RMSE and MAE; per learning rate\n"
            "loss_lr<X>.svg (the loss per iteration of every optimizer), paths_lr<X>.svg (all paths\n"
            "on one contour map) and anim_lr<X>_<optimizer>.svg (one run: data and fitted line,\n"
            "path over the map, parameters and loss, animated in step); a CSV file with the data\n"
            "behind every figure; summary.csv and summary.md (final loss, distance to the optimum,\n"
            "iterations to come within 1% of the optimal loss, divergence, and whether the post's\n"
            "conclusion about LAMB holds); and index.html, which shows all of it. Every file is\n"
            "self-contained: no external URL, font or script.\n"
            "\n"
            "Defaults (the notebook's): the seed's data set (100 points, y = 3 + 5x + U(0, 1)), RMSE,\n"
            "100 full-batch iterations from theta0 = -20, theta1 = -10, learning rates 0.1 and 1,\n"
            "weight decay 0.1, momentum 0.9, beta2 0.99, eps 1e-6, a 100 x 100 grid over [-20, 20]^2,\n"
            "mini-batch SGD with batches of 10. A run diverges when its loss stops being finite or\n"
            "exceeds 10^4 times its start; it is drawn up to there and marked.\n"
            "\n"
            "With --objective the problem is a 2-D test function (no data panel; one surface; default\n"
            "learning rates 0.001 and 0.01; start at the function's suggested point).\n"
            "Exit status: 0 done; 2 bad input (one line on standard error); 1 other errors.";

        const flag report_flags[] = {
            {"--out", "DIR", "output directory (default build/report)"},
            {"--lr", "X,Y,...", "learning rates (default 0.1,1; with --objective 0.001,0.01)"},
            {"--iterations", "N", "optimizer steps per run (default 100)"},
            {"--loss", "NAME", "regression loss of the runs: mse, rmse (default) or mae"},
            {"--init", "A,B", "start theta0,theta1 (default -20,-10; with --objective its start)"},
            {"--optimizers", "NAME,...", "the runs: variants, seed (all of them, the default), library optimizers"},
            {"--frames", "N", "animation frames (default iterations + 1, at most 201)"},
            {"--objective", "NAME", "a 2-D test function instead of the regression"},
            {"--log-scale", "", "draw the loss per iteration on a log scale"},
            {"--batch-size", "B", "batch size of minibatch_sgd (default 10)"},
            {"--seed", "N", "seed of the data set and of the mini-batch shuffle (default 0)"},
            {"--weight-decay", "X", "weight decay (default 0.1)"},
            {"--momentum", "X", "momentum, and beta1 of Adam and LAMB (default 0.9)"},
            {"--beta2", "X", "beta2 of Adam and LAMB (default 0.99)"},
            {"--eps", "X", "eps of Adam and LAMB (default 1e-6)"},
            {"--grid", "N", "grid points per side of the surfaces and maps (default 100)"},
            {"--help", "", "this help"},
        };

        /// The variants the notebook compares, plus mini-batch SGD.
        struct variant_info
        {
            std::string_view id;
            std::string_view label;
            std::string_view formula;
            viz::rgb colour;  ///< the same in every figure; visible on white and on viridis
        };

        constexpr variant_info variants[] = {
            {"sgd", "sgd", "w -= lr g", {0x56, 0xb4, 0xe9}},
            {"sgd_wd", "sgd + wd", "w -= lr (g + wd w)  (w *= 1 - lr wd, then the step)", {0x00, 0x72, 0xb2}},
            {"sgd_wd_momentum", "sgd + wd + momentum", "b = mu b + g; w -= lr (b + wd w)", {0x00, 0x9e, 0x73}},
            {"sgd_wd_ewma",
             "sgd + wd + EWMA momentum",
             "b = mu b + (1 - mu) g; w -= lr (b + wd w)",
             {0xcc, 0x79, 0xa7}},
            {"sgd_wd_debiased",
             "sgd + wd + debiased EWMA",
             "b as EWMA; w -= lr (b / (1 - mu^t) + wd w)",
             {0xe6, 0x9f, 0x00}},
            {"adam", "Adam + wd", "Adam's direction (beta1 = mu), then decoupled decay", {0x00, 0x00, 0x00}},
            {"lamb", "LAMB", "Adam's direction + wd w, scaled by ||w|| / ||u|| capped at 10", {0xd5, 0x5e, 0x00}},
            {"minibatch_sgd", "mini-batch sgd", "w -= lr g_batch, shuffled batches", {0x88, 0x88, 0x88}},
        };
        constexpr std::size_t variant_count = std::size(variants);
        constexpr std::size_t minibatch_index = 7;
        constexpr std::size_t lamb_index = 6;
        constexpr std::size_t adam_index = 5;
        constexpr std::size_t sgd_index = 0;

        /// Beyond the notebook's variants, --optimizers takes every optimizer make_optimizer names
        /// (with the library's defaults but the report's rates): run index variant_count + k is the
        /// k-th of them. The notebook's ids come first, so "sgd", "adam" and "lamb" are its variants.
        const std::vector<std::string_view>& library_names()
        {
            static const std::vector<std::string_view> names = [] {
                std::vector<std::string_view> out;
                for (const auto name : xoptim::optimizer_names<double>())
                {
                    const bool notebook = std::any_of(std::begin(variants), std::end(variants),
                                                      [&](const variant_info& v) { return v.id == name; });
                    if (!notebook) { out.push_back(name); }
                }
                return out;
            }();
            return names;
        }

        /// Colours of the library's optimizers in the report, in turn: none of the notebook's, each
        /// visible on white and on viridis.
        constexpr viz::rgb library_colours[] = {
            {0x6a, 0x3d, 0x9a}, {0x8c, 0x56, 0x4b}, {0xd6, 0x27, 0x28}, {0x17, 0x8a, 0x9e}, {0x9a, 0x9a, 0x10},
            {0xe3, 0x77, 0xc2}, {0x2c, 0xa0, 0x2c}, {0x1f, 0x3b, 0x73}, {0xb8, 0x6b, 0x0b},
        };

        std::string_view variant_id(std::size_t v)
        {
            return v < variant_count ? variants[v].id : library_names().at(v - variant_count);
        }

        std::string_view variant_label(std::size_t v) { return v < variant_count ? variants[v].label : variant_id(v); }

        viz::rgb variant_colour(std::size_t v)
        {
            return v < variant_count ? variants[v].colour
                                     : library_colours[(v - variant_count) % std::size(library_colours)];
        }

        constexpr std::string_view loss_names[] = {"mse", "rmse", "mae"};
        constexpr double divergence_growth = 1e4;

        struct settings
        {
            fs::path out = "build/report";
            std::vector<double> lrs;
            std::size_t iterations = 100;
            std::string loss = "rmse";
            std::optional<std::array<double, 2>> init;
            std::vector<std::size_t> chosen;
            std::size_t frames = 0;
            std::optional<std::string> objective;
            bool log_scale = false;
            std::size_t batch_size = 10;
            std::uint64_t seed = 0;
            double weight_decay = 0.1;
            double momentum = 0.9;
            double beta2 = 0.99;
            double eps = 1e-6;
            std::size_t grid_points = 100;
        };

        std::string upper(std::string_view s)
        {
            std::string out(s);
            for (char& c : out) { c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c); }
            return out;
        }

        /// A number for people: up to 4 significant digits.
        std::string human(double v)
        {
            if (!std::isfinite(v)) { return viz::format_full(v); }
            char buf[48];
            std::snprintf(buf, sizeof buf, "%.4g", v);
            return buf;
        }

        std::string lr_tag(double lr) { return "lr" + viz::format_full(lr); }

        /// An optimizer over a chain of default links with `values` set by their declared names
        /// (checked together, as a whole chain).
        template <class Chain>
        any_optimizer variant_of(const std::vector<xoptim::hyperparameter_setting>& values)
        {
            Chain chain;
            chain.set_all(values);
            return any_optimizer(xoptim::optimizer(std::move(chain)));
        }

        any_optimizer make_variant(std::size_t v, double lr, const settings& s)
        {
            using namespace xoptim;
            using rate = scale_by_lr<double>;
            switch (v)
            {
            case sgd_index:
            case minibatch_index: return variant_of<chain<rate>>({{"lr", lr}});
            case 1: return variant_of<chain<add_decayed_weights, rate>>({{"weight_decay", s.weight_decay}, {"lr", lr}});
            case 2:
                return variant_of<chain<trace, add_decayed_weights, rate>>(
                    {{"momentum", s.momentum}, {"weight_decay", s.weight_decay}, {"lr", lr}});
            case 3:
            case 4:
                return variant_of<chain<ewma, add_decayed_weights, rate>>({{"decay", s.momentum},
                                                                           {"debias", v == 4 ? 1.0 : 0.0},
                                                                           {"weight_decay", s.weight_decay},
                                                                           {"lr", lr}});
            case adam_index:
                return variant_of<chain<scale_by_adam, add_decayed_weights, rate>>({{"beta1", s.momentum},
                                                                                    {"beta2", s.beta2},
                                                                                    {"eps", s.eps},
                                                                                    {"weight_decay", s.weight_decay},
                                                                                    {"lr", lr}});
            case lamb_index:
                // The library's LAMB, chosen by name, with the notebook's cap on the trust ratio.
                return any_optimizer(xoptim::make_optimizer<double>("lamb", {{"lr", lr},
                                                                             {"beta1", s.momentum},
                                                                             {"beta2", s.beta2},
                                                                             {"eps", s.eps},
                                                                             {"weight_decay", s.weight_decay},
                                                                             {"trust_clip", 10.0}}));
            default:
                if (v >= variant_count && v - variant_count < library_names().size())
                {
                    return any_optimizer(xoptim::make_optimizer<double>(variant_id(v), {{"lr", lr}}));
                }
                throw std::logic_error("make_variant: no variant " + std::to_string(v));
            }
        }

        /// What the report needs to know about the problem, whatever it is.
        struct problem_info
        {
            std::string name;             ///< "the seed's data set" or the function's name
            std::string loss_label;       ///< "RMSE", or "f"
            std::vector<double> optimum;  ///< theta* (2 values)
            double optimal_loss = 0.0;
            std::string optimum_name;            ///< "least squares", "least absolute deviations", "minimum"
            std::vector<xoptim::point2> minima;  ///< test functions: every known minimum
            std::optional<viz::scatter_data> data;
            struct surface
            {
                std::string id;     ///< "mse"
                std::string label;  ///< "MSE"
                viz::grid g;
                viz::contour_options map;
            };
            std::vector<surface> surfaces;
            std::size_t main_surface = 0;  ///< the one the runs minimise
        };

        /// One run and its numbers.
        struct run_summary
        {
            std::size_t variant = 0;
            double lr = 0.0;
            viz::run_history history;
            std::string message;
            double final_loss = 0.0;
            double distance = 0.0;
            std::optional<std::size_t> reached;  ///< first iteration within 1% of the optimal loss
            std::optional<std::size_t> settled;  ///< from this iteration on it stays within 1%
            std::size_t increases = 0;           ///< iterations whose loss rose (by > 1e-6 of the gap)
            double largest_rise = 0.0;           ///< the largest rise, as a fraction of the initial gap
        };

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
                throw usage_error("--init " + viz::format_full(start(0)) + "," + viz::format_full(start(1))
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

        /// The optimum of the mean absolute error of a line: a least-absolute-deviations line passes
        /// through two of the data points, so the best line through a pair is the optimum.
        std::vector<double> least_absolute_deviations(const xoptim::linear_regression<xoptim::mae>& p)
        {
            const auto& x = p.x();
            const auto& y = p.y();
            const std::size_t n = p.size();
            std::vector<double> best{0.0, 0.0};
            double best_value = std::numeric_limits<double>::infinity();
            for (std::size_t i = 0; i < n; ++i)
            {
                for (std::size_t j = i + 1; j < n; ++j)
                {
                    const double dx = x(j, 0) - x(i, 0);
                    if (dx == 0.0) { continue; }
                    const double slope = (y(j) - y(i)) / dx;
                    const double intercept = y(i) - slope * x(i, 0);
                    double sum = 0.0;
                    for (std::size_t k = 0; k < n; ++k) { sum += std::abs(y(k) - intercept - slope * x(k, 0)); }
                    if (sum < best_value)
                    {
                        best_value = sum;
                        best = {intercept, slope};
                    }
                }
            }
            return best;
        }

        viz::contour_options map_options(bool log)
        {
            viz::contour_options co;
            co.level_count = 14;
            co.spacing = log ? viz::level_spacing::log : viz::level_spacing::linear;
            return co;
        }

        // ------------------------------------------------------------------------------ writing

        class report_writer
        {
        public:
            report_writer(const settings& s, const problem_info& info) : m_s(s), m_info(info) {}

            void file(const std::string& name, std::string_view text)
            {
                viz::write_text_file((m_s.out / name).string(), text);
                ++m_files;
            }
            std::size_t files() const { return m_files; }

        private:
            const settings& m_s;
            const problem_info& m_info;
            std::size_t m_files = 0;
        };

        viz::timeline timeline_for(const settings& s)
        {
            const std::size_t frames = s.frames != 0 ? s.frames : std::min<std::size_t>(s.iterations + 1, 201);
            viz::timeline t;
            t.frames = std::max<std::size_t>(frames, 2);
            t.duration_s = std::clamp(0.1 * static_cast<double>(t.frames), 4.0, 16.0);
            return t;
        }

        std::string yes_no(bool b) { return b ? "yes" : "no"; }

        std::string optional_count(const std::optional<std::size_t>& v) { return v ? std::to_string(*v) : "never"; }

        std::string percent(double fraction)
        {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.3g%%", 100.0 * fraction);
            return buf;
        }

        /// The verdict on the post's conclusion ("with LAMB we can use a high learning rate yet the
        /// algorithm converges smoothly to the optimal parameters"), with the numbers behind it.
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
                  << optional_count(adam->reached)
                  << (adam->settled ? ", settled from " + std::to_string(*adam->settled) : ", not settled")
                  << ", loss rose in " << adam->increases << " iterations.";
                out.push_back(a.str());
            }
            if (const run_summary* sgd = find(sgd_index))
            {
                std::ostringstream g;
                g << "Plain sgd at the same rate: "
                  << (sgd->history.diverged ? "diverged" : "final " + info.loss_label + " " + human(sgd->final_loss))
                  << ", distance " << human(sgd->distance) << ", within 1% first at iteration "
                  << optional_count(sgd->reached) << ".";
                out.push_back(g.str());
            }
            return out;
        }

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
                    "final_theta1"};
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
                    viz::format_full(r.history.theta1.back())};
        }

        std::vector<std::string> table_row(const run_summary& r)
        {
            return {r.history.name,
                    human(r.final_loss),
                    human(r.distance),
                    optional_count(r.reached),
                    r.settled ? std::to_string(*r.settled) : "no",
                    std::to_string(r.increases),
                    r.history.diverged ? "yes, after " + std::to_string(r.history.loss.size() - 1) : "no"};
        }

        const std::vector<std::string> table_header{
            "optimizer",  "final loss", "distance to optimum", "first within 1%", "settled within 1% from",
            "loss rises", "diverged"};

        std::vector<std::pair<std::string, std::string>> settings_rows(const settings& s, const problem_info& info,
                                                                       const std::vector<double>& start,
                                                                       const viz::timeline& t)
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
                {"iterations",
                 std::to_string(s.iterations) + (s.objective ? "" : " (full batch, except mini-batch sgd)")},
                {"start (theta0, theta1)", "(" + human(start[0]) + ", " + human(start[1]) + ")"},
                {"learning rates", lrs},
                {"optimizers", opts},
                {"weight decay", human(s.weight_decay) + " (decoupled: w *= 1 - lr wd)"},
                {"momentum / beta1", human(s.momentum)},
                {"beta2", human(s.beta2)},
                {"eps", human(s.eps)},
                {"LAMB trust ratio", "||w|| / ||u||, capped at 10"},
                {"optimum", info.optimum_name + " (" + human(info.optimum[0]) + ", " + human(info.optimum[1])
                                + "), loss " + human(info.optimal_loss)},
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
                                                      + ", reshuffled every epoch (seed " + std::to_string(s.seed)
                                                      + ")"});
            }
            return rows;
        }

        template <class Problem>
        int write_report(const Problem& problem, const problem_info& info, const settings& s, const vector& start,
                         std::ostream& out)
        {
            const auto t0 = std::chrono::steady_clock::now();
            report_writer w(s, info);
            const viz::timeline t = timeline_for(s);
            const auto& main = info.surfaces[info.main_surface];
            const viz::point optimum{info.optimum[0], info.optimum[1]};
            const std::string optimum_label = info.minima.empty() ? info.optimum_name : "minimum";

            viz::html_page page("Optimizers Visualisation, reproduced by xoptim");
            page.heading(1, "Optimizers Visualisation, reproduced");
            page.paragraph(
                "The post \"Optimizers Visualisation\" compares gradient descent and its tweaks (weight decay, "
                "momentum, Adam, LAMB) on a straight line fitted to noisy data, and concludes that \"with LAMB "
                "we can use high learning rate yet the algorithm converge smoothly to the optimal parameters\". "
                "This page reruns it with xoptim, with real LAMB, and checks that claim with numbers.");
            if (!explore_page().empty())
            {
                page.link("explore.html", "Play with it: the explorer runs these optimizers live in the browser (the "
                                          "library itself, compiled to WebAssembly): pick them, set the learning rate "
                                          "and the rest, drag the start");
            }
            page.settings_table(settings_rows(s, info, {start(0), start(1)}, t), "Settings");

            // ---- the runs
            std::vector<run_summary> runs;
            for (double lr : s.lrs)
            {
                for (std::size_t v : s.chosen) { runs.push_back(run_variant(problem, v, lr, s, info, start)); }
            }
            const auto verdict = conclusion(runs, s, info);
            // Only now, with every run made, is anything written.
            fs::create_directories(s.out);
            page.heading(2, "Conclusion", "conclusion");
            for (const auto& line : verdict) { page.paragraph(line); }

            // ---- 1. the data
            if (info.data)
            {
                const auto& d = *info.data;
                viz::chart_options co;
                co.title = "The data and the least-squares line";
                co.width = 640;
                co.height = 420;
                w.file("data.svg", viz::data_figure(d, co));
                std::vector<double> fitted(d.x.size());
                for (std::size_t i = 0; i < d.x.size(); ++i)
                {
                    fitted[i] = d.reference->intercept + d.reference->slope * d.x[i];
                }
                w.file("data.csv", viz::columns_csv({"x", "y", "least_squares_fit"}, {d.x, d.y, fitted}));
                page.heading(2, "The data", "data");
                page.figure_file("data.svg",
                                 "100 points and the least-squares line y = " + human(d.reference->intercept) + " + "
                                     + human(d.reference->slope) + " x (data.csv)");
            }

            // ---- 2. the loss surfaces
            page.heading(2, info.data ? "The loss surfaces" : "The objective", "surfaces");
            {
                std::vector<std::string> header{"theta0", "theta1"};
                for (const auto& sf : info.surfaces) { header.push_back(sf.id); }
                viz::csv_writer csv(header);
                const auto& g0 = info.surfaces.front().g;
                std::vector<double> row(header.size());
                for (std::size_t i = 0; i < g0.nx(); ++i)
                {
                    for (std::size_t j = 0; j < g0.ny(); ++j)
                    {
                        row[0] = g0.x[i];
                        row[1] = g0.y[j];
                        for (std::size_t k = 0; k < info.surfaces.size(); ++k)
                        {
                            row[2 + k] = info.surfaces[k].g.z_at(i, j);
                        }
                        csv.row(row);
                    }
                }
                w.file("surfaces.csv", csv.str());
            }
            for (const auto& sf : info.surfaces)
            {
                viz::surface_options so;
                so.title = sf.label + " over (theta0, theta1)";
                so.x_label = "theta0";
                so.y_label = "theta1";
                so.z_label = sf.label;
                so.width = 560;
                so.height = 460;
                w.file("surface_" + sf.id + ".svg", viz::surface_plot(sf.g, so));
                viz::contour_options co = sf.map;
                co.title = sf.label + " contours";
                co.x_label = "theta0";
                co.y_label = "theta1";
                co.width = 560;
                co.height = 460;
                viz::svg_writer svg(co.width, co.height);
                svg.rect(0, 0, co.width, co.height, {{"fill", "#ffffff"}});
                const auto f = viz::draw_contour_map(svg, {0, 0, co.width, co.height}, sf.g, co);
                viz::detail::optimum_mark(svg, f, optimum, optimum_label);
                w.file("contour_" + sf.id + ".svg", svg.str());
                page.begin_row();
                page.figure_file("surface_" + sf.id + ".svg", sf.label + ": shaded surface");
                page.figure_file("contour_" + sf.id + ".svg",
                                 sf.label + ": contour map"
                                     + (sf.map.spacing == viz::level_spacing::log ? " (levels spaced in log)" : "")
                                     + "; the cross marks the " + optimum_label);
                page.end_row();
            }
            page.paragraph("The grid values are in surfaces.csv.");

            // ---- 3-5. per learning rate
            for (double lr : s.lrs)
            {
                const std::string tag = lr_tag(lr);
                std::vector<const run_summary*> these;
                std::vector<viz::run_history> histories;
                for (const auto& r : runs)
                {
                    if (r.lr == lr)
                    {
                        these.push_back(&r);
                        histories.push_back(r.history);
                    }
                }
                page.heading(2, "Learning rate " + human(lr), tag);

                viz::loss_chart_options lo;
                lo.title = info.loss_label + " per iteration, lr = " + human(lr);
                lo.y_label = info.loss_label + (s.log_scale ? " (log scale)" : "");
                lo.log_y = s.log_scale;
                lo.optimum = info.optimal_loss;
                w.file("loss_" + tag + ".svg", viz::loss_chart(histories, lo));
                {
                    std::vector<std::string> header{"iteration"};
                    std::vector<std::vector<double>> columns{viz::detail::counting(s.iterations + 1)};
                    for (const auto* r : these)
                    {
                        header.push_back(std::string(variant_id(r->variant)));
                        std::vector<double> c = r->history.loss;
                        c.resize(s.iterations + 1, std::numeric_limits<double>::quiet_NaN());
                        columns.push_back(std::move(c));
                    }
                    w.file("loss_" + tag + ".csv", viz::columns_csv(header, columns));
                }

                viz::paths_options po;
                po.title = "All paths over the " + info.loss_label + ", lr = " + human(lr);
                po.map = main.map;
                po.time = t;
                po.optimum = optimum;
                po.optimum_label = optimum_label;
                w.file("paths_" + tag + ".svg", viz::paths_figure(histories, main.g, po));
                {
                    viz::csv_writer csv({"optimizer", "iteration", "theta0", "theta1", "loss"});
                    for (const auto* r : these)
                    {
                        for (std::size_t k = 0; k < r->history.loss.size(); ++k)
                        {
                            csv.row({std::string(variant_id(r->variant)), std::to_string(k),
                                     viz::format_full(r->history.theta0[k]), viz::format_full(r->history.theta1[k]),
                                     viz::format_full(r->history.loss[k])});
                        }
                    }
                    w.file("paths_" + tag + ".csv", csv.str());
                }
                page.begin_row();
                page.figure_file("loss_" + tag + ".svg", "The loss per iteration (loss_" + tag + ".csv)");
                page.figure_file("paths_" + tag + ".svg", "Every path over the contour map of the " + info.loss_label
                                                              + ", animated (paths_" + tag + ".csv)");
                page.end_row();
                std::vector<std::vector<std::string>> rows;
                for (const auto* r : these) { rows.push_back(table_row(*r)); }
                page.data_table(table_header, rows, "Summary at lr = " + human(lr));

                page.heading(3, "Each optimizer, animated");
                for (const auto* r : these)
                {
                    const std::string id(variant_id(r->variant));
                    viz::run_figure_options fo;
                    fo.title = r->history.name + ", lr = " + human(lr);
                    fo.time = t;
                    fo.map = main.map;
                    fo.optimum = optimum;
                    fo.optimum_label = optimum_label;
                    fo.loss_label = info.loss_label;
                    fo.log_loss = s.log_scale;
                    const viz::scatter_data* data = info.data ? &*info.data : nullptr;
                    w.file("anim_" + tag + "_" + id + ".svg", viz::run_animation(r->history, main.g, fo, data));
                    w.file("history_" + tag + "_" + id + ".csv",
                           viz::columns_csv({"iteration", "theta0", "theta1", "loss"},
                                            {viz::detail::counting(r->history.loss.size()), r->history.theta0,
                                             r->history.theta1, r->history.loss}));
                    page.figure_file("anim_" + tag + "_" + id + ".svg", r->history.name + " at lr " + human(lr)
                                                                            + (r->history.diverged ? " (diverged)" : "")
                                                                            + " (history_" + tag + "_" + id + ".csv)");
                }
            }

            // ---- 6. the summary
            {
                viz::csv_writer csv(summary_header());
                for (const auto& r : runs) { csv.row(summary_row(r, info)); }
                w.file("summary.csv", csv.str());
            }
            std::ostringstream md;
            md << "# Optimizers Visualisation, reproduced\n\n"
               << "Written by `xoptim-viz report`. Settings:\n\n";
            for (const auto& [name, value] : settings_rows(s, info, {start(0), start(1)}, t))
            {
                md << "- " << name << ": " << value << "\n";
            }
            md << "\nColumns: the final loss; the distance from the final parameters to the " << info.optimum_name
               << " optimum; the first iteration whose loss is within 1% of the optimal loss"
               << " (for an optimal loss of 0: within 1% of the starting gap); the iteration from which it stays"
                  " there to the end; the number of iterations whose loss rose (by more than 1e-6 of the starting gap);"
                  " and whether the run diverged.\n";
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
            w.file("summary.md", md.str());

            page.heading(2, "Summary of every run", "summary");
            {
                std::vector<std::string> header{"lr"};
                header.insert(header.end(), table_header.begin(), table_header.end());
                std::vector<std::vector<std::string>> rows;
                for (const auto& r : runs)
                {
                    auto row = table_row(r);
                    row.insert(row.begin(), human(r.lr));
                    rows.push_back(std::move(row));
                }
                page.data_table(header, rows, "Every optimizer at every learning rate");
            }
            page.link("summary.md", "summary.md: the summary and the conclusion");
            page.link("summary.csv", "summary.csv: the same numbers in full precision");
            page.link("surfaces.csv", "surfaces.csv: the loss surfaces on the grid");
            if (!explore_page().empty()) { w.file("explore.html", explore_page()); }
            page.save((s.out / "index.html").string());
            const std::size_t files = w.files() + 1;

            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            out << "wrote " << files << " files to " << s.out.string() << " in " << human(seconds) << " s\n"
                << "  " << (s.out / "index.html").string() << "\n  " << (s.out / "summary.md").string() << "\n";
            if (!explore_page().empty()) { out << "  " << (s.out / "explore.html").string() << " (the explorer)\n"; }
            for (const auto& line : verdict) { out << line << "\n"; }
            return exit_ok;
        }

        // ------------------------------------------------------------------------------ problems

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
            viz::scatter_data d;
            for (std::size_t i = 0; i < data.size(); ++i)
            {
                d.x.push_back(data.x(i, 0));
                d.y.push_back(data.y(i));
            }
            d.reference = viz::line2{ls(0), ls(1)};
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
            info.surfaces.push_back({"mse", "MSE", sample(mse_p), map_options(true)});
            info.surfaces.push_back({"rmse", "RMSE", sample(rmse_p), map_options(true)});
            info.surfaces.push_back({"mae", "MAE", sample(mae_p), map_options(true)});
            if (s.loss == "mae")
            {
                info.optimum = least_absolute_deviations(mae_p);
                info.optimum_name = "least absolute deviations";
                info.optimal_loss = mae_p.value(vector{info.optimum[0], info.optimum[1]});
                info.main_surface = 2;
            }
            else
            {
                info.optimum = {ls(0), ls(1)};
                info.optimum_name = "least squares";
                info.optimal_loss = s.loss == "mse" ? mse_p.value(ls) : rmse_p.value(ls);
                info.main_surface = s.loss == "mse" ? 0 : 1;
            }
            const auto init = s.init.value_or(std::array<double, 2>{-20.0, -10.0});
            const vector start{init[0], init[1]};
            if (s.loss == "mse") { return write_report(mse_p, info, s, start, out); }
            if (s.loss == "mae") { return write_report(mae_p, info, s, start, out); }
            return write_report(rmse_p, info, s, start, out);
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
                    info.surfaces.push_back({std::string(*s.objective), *s.objective, std::move(g), map_options(log)});
                    const auto st = f.start();
                    const auto init = s.init.value_or(std::array<double, 2>{st[0], st[1]});
                    return write_report(f, info, s, vector{init[0], init[1]}, out);
                },
                *function);
        }

        // ------------------------------------------------------------------------------ flags

        settings read_settings(const parsed_flags& given)
        {
            settings s;
            if (const auto v = given.get("--out"))
            {
                if (v->empty()) { throw usage_error("--out: the directory name is empty"); }
                s.out = *v;
            }
            s.objective = given.get("--objective");
            if (s.objective && !xoptim::make_test_function(*s.objective))
            {
                throw usage_error("--objective: unknown objective '" + *s.objective
                                  + "' (choose from: " + join(xoptim::test_function_names) + ")");
            }
            if (s.objective)
            {
                for (const auto other : {"--loss", "--batch-size", "--seed"})
                {
                    if (given.has(other))
                    {
                        throw usage_error(std::string(other) + " does not apply with --objective");
                    }
                }
            }
            s.lrs = s.objective ? std::vector<double>{0.001, 0.01} : std::vector<double>{0.1, 1.0};
            if (const auto v = given.get("--lr"))
            {
                s.lrs = parse_list("--lr", *v);
                for (double lr : s.lrs)
                {
                    if (!(lr > 0.0))
                    {
                        throw usage_error("--lr: learning rates must be > 0, got " + format_number(lr));
                    }
                }
                for (std::size_t i = 0; i < s.lrs.size(); ++i)
                {
                    for (std::size_t j = 0; j < i; ++j)
                    {
                        if (s.lrs[i] == s.lrs[j])
                        {
                            throw usage_error("--lr: " + format_number(s.lrs[i]) + " is given twice");
                        }
                    }
                }
            }
            if (const auto v = given.get("--iterations"))
            {
                s.iterations = parse_unsigned("--iterations", *v);
                if (s.iterations == 0 || s.iterations > 100000)
                {
                    throw usage_error("--iterations: must be in [1, 100000], got " + *v);
                }
            }
            if (const auto v = given.get("--loss"))
            {
                if (std::find(std::begin(loss_names), std::end(loss_names), *v) == std::end(loss_names))
                {
                    throw usage_error("--loss: unknown loss '" + *v + "' (choose from: " + join(loss_names) + ")");
                }
                s.loss = *v;
            }
            if (const auto v = given.get("--init"))
            {
                const auto values = parse_list("--init", *v);
                if (values.size() != 2)
                {
                    throw usage_error("--init: expected 2 values theta0,theta1, got " + std::to_string(values.size()));
                }
                s.init = std::array<double, 2>{values[0], values[1]};
            }
            const auto add = [&](std::size_t v, std::string_view name) {
                if (std::find(s.chosen.begin(), s.chosen.end(), v) != s.chosen.end())
                {
                    throw usage_error("--optimizers: '" + std::string(name) + "' is given twice");
                }
                s.chosen.push_back(v);
            };
            const auto add_notebook = [&] {
                for (std::size_t i = 0; i < variant_count; ++i)
                {
                    if (!(i == minibatch_index && s.objective)) { add(i, variants[i].id); }
                }
            };
            if (const auto v = given.get("--optimizers"))
            {
                std::string_view text = *v;
                for (;;)
                {
                    const auto comma = text.find(',');
                    const std::string_view name = text.substr(0, comma);
                    std::size_t found = variant_count + library_names().size();
                    for (std::size_t i = 0; i < found; ++i)
                    {
                        if (variant_id(i) == name) { found = i; }
                    }
                    if (name == "seed") { add_notebook(); }
                    else if (found == variant_count + library_names().size())
                    {
                        std::vector<std::string_view> names{"seed"};
                        for (std::size_t i = 0; i < found; ++i) { names.push_back(variant_id(i)); }
                        const std::string hint = name == "lbfgs" ? " (lbfgs takes a closure: use xoptim-viz fit)" : "";
                        throw usage_error("--optimizers: unknown optimizer '" + std::string(name) + "'" + hint
                                          + " (choose from: " + join(names) + ")");
                    }
                    else if (found == minibatch_index && s.objective)
                    {
                        throw usage_error("--optimizers: minibatch_sgd needs the data set, not --objective");
                    }
                    else { add(found, name); }
                    if (comma == std::string_view::npos) { break; }
                    text.remove_prefix(comma + 1);
                }
            }
            else { add_notebook(); }
            if (const auto v = given.get("--frames"))
            {
                s.frames = parse_unsigned("--frames", *v);
                if (s.frames < 2 || s.frames > 2000) { throw usage_error("--frames: must be in [2, 2000], got " + *v); }
            }
            s.log_scale = given.has("--log-scale");
            if (const auto v = given.get("--batch-size"))
            {
                s.batch_size = parse_unsigned("--batch-size", *v);
                if (s.batch_size == 0) { throw usage_error("--batch-size: must be at least 1, got 0"); }
            }
            if (const auto v = given.get("--seed")) { s.seed = parse_unsigned("--seed", *v); }
            const auto unit = [&](const char* name, double& target, bool closed_low) {
                if (const auto v = given.get(name))
                {
                    target = parse_double(name, *v);
                    if (!(closed_low ? target >= 0.0 : target > 0.0) || !(target < 1.0))
                    {
                        throw usage_error(std::string(name) + ": must be in " + (closed_low ? "[0, 1)" : "(0, 1)")
                                          + ", got " + *v);
                    }
                }
            };
            unit("--momentum", s.momentum, true);
            unit("--beta2", s.beta2, true);
            if (const auto v = given.get("--weight-decay"))
            {
                s.weight_decay = parse_double("--weight-decay", *v);
                if (s.weight_decay < 0.0) { throw usage_error("--weight-decay: must be >= 0, got " + *v); }
            }
            if (const auto v = given.get("--eps"))
            {
                s.eps = parse_double("--eps", *v);
                if (!(s.eps > 0.0)) { throw usage_error("--eps: must be > 0, got " + *v); }
            }
            if (const auto v = given.get("--grid"))
            {
                s.grid_points = parse_unsigned("--grid", *v);
                if (s.grid_points < 3 || s.grid_points > 1000)
                {
                    throw usage_error("--grid: must be in [3, 1000], got " + *v);
                }
            }
            return s;
        }

        void print_report_help(std::ostream& out)
        {
            print_help(out, usage, description, report_flags);
            out << "\noptimizers (--optimizers):\n";
            for (const auto& v : variants)
            {
                out << "  " << v.id << std::string(18 - v.id.size(), ' ') << v.label << ": " << v.formula << "\n";
            }
            out << "  seed              all of the above (the default)\n"
                   "  and the library's optimizers, with their defaults but --lr:\n   ";
            for (const auto name : library_names()) { out << " " << name; }
            out << "\n";
            out << "\nobjectives (--objective): " << join(xoptim::test_function_names) << "\n"
                << "\nexamples:\n"
                   "  xoptim-viz report --out build/report\n"
                   "  xoptim-viz report --lr 0.1,1,3 --optimizers sgd,adam,lamb --log-scale\n"
                   "  xoptim-viz report --optimizers seed,nadam,radam,adamax\n"
                   "  xoptim-viz report --objective rosenbrock --lr 0.001,0.01 --iterations 500\n";
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
            const parsed_flags given = parse_flags(args, report_flags);
            const settings s = read_settings(given);
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
