#include "flags.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <xoptim/problems/test_functions.hpp>

#include "../command_line.hpp"
#include "../seed_data_flags.hpp"
#include "variants.hpp"

namespace xoptim_viz::report
{
    namespace
    {
        constexpr std::string_view usage =
            "xoptim-viz report [--out DIR] [--lr X,Y,...] [--iterations N] [--loss mse|rmse|mae]\n"
            "                         [--init A,B] [--optimizers NAME,...] [--frames N]\n"
            "                         [--objective NAME] [--linear-scale] [--embed-maps] [--batch-size B] [--seed N]\n"
            "                         [--weight-decay X] [--momentum X] [--beta2 X] [--eps X] [--grid N]";

        std::string description()
        {
            return "Reproduces the post \"Optimizers Visualisation\" with its notebook's settings and writes\n"
                   "into DIR: data.svg (the data and the least-squares line);\n"
                   "surface_<loss>.svg and contour_<loss>.svg for MSE, RMSE and MAE; per learning rate\n"
                   "loss_lr<X>.svg (the loss per iteration of every optimizer), paths_lr<X>.svg (all paths\n"
                   "on one contour map) and anim_lr<X>_<optimizer>.svg (one run: data and fitted line,\n"
                   "path over the map, parameters and loss, animated in step); a CSV file with the data\n"
                   "behind every figure; summary.csv and summary.md (final loss, distance to the optimum,\n"
                   "iterations to come within 1% of the optimal loss, divergence, and whether the post's\n"
                   "conclusion about LAMB holds); and index.html, which shows all of it. Every file is\n"
                   "self-contained: no external URL, font or script.\n"
                   "\n"
                   "The defaults, given with each flag below, are the notebook's: full-batch runs on the\n"
                   "seed's data set ("
                   + seed_data_summary()
                   + "),\n"
                     "the maps over [-20, 20]^2, and mini-batch SGD with batches of --batch-size. A run diverges\n"
                     "when its loss stops being finite or exceeds "
                   + shortest_number(divergence_growth)
                   + " times its start; it is drawn up to\n"
                     "there and marked.\n"
                     "\n"
                     "With --objective the problem is a 2-D test function (no data panel; one surface; its own\n"
                     "default learning rates; start at the function's suggested point). Flags are `--name value`\n"
                     "or `--name=value`. Exit status: 0 done; 2 bad input (one line on standard error); 1 other\n"
                     "errors.";
        }

        /// "0.1,1".
        template <std::size_t N>
        std::string listed(const std::array<double, N>& values, const char* separator = ",")
        {
            std::string out;
            for (const double v : values) { out += (out.empty() ? "" : separator) + shortest_number(v); }
            return out;
        }

        /// Text that is all but the raw values the flags check and keep for after the parse.
        struct raw_flags
        {
            std::optional<std::string> optimizers;  ///< --optimizers, read once --objective is known
            std::vector<double> init;
        };

        /// Every flag of report, bound to `s` (its values the defaults) and `raw`.
        void add_report_flags(command_line& line, settings& s, raw_flags& raw)
        {
            const auto in_range = [](const std::string& name, std::size_t low, std::size_t high) {
                return [name, low, high](std::size_t v, const std::string& text) {
                    if (v < low || v > high)
                    {
                        throw usage_error(name + ": must be in [" + std::to_string(low) + ", " + std::to_string(high)
                                          + "], got " + text);
                    }
                };
            };
            const auto unit = [](const std::string& name) {
                return [name](double v, const std::string& text) {
                    if (!(v >= 0.0) || !(v < 1.0)) { throw usage_error(name + ": must be in [0, 1), got " + text); }
                };
            };
            line.add_value(
                "--out", "DIR", "output directory",
                [&s](const std::string& text) {
                    if (text.empty()) { throw usage_error("--out: the directory name is empty"); }
                    s.out = text;
                },
                s.out.string());
            line.add_numbers(
                "--lr", s.lrs, "X,Y,...", "learning rates",
                [](const std::vector<double>& lrs, const std::string&) {
                    for (double lr : lrs)
                    {
                        if (!(lr > 0.0))
                        {
                            throw usage_error("--lr: learning rates must be > 0, got " + format_number(lr));
                        }
                    }
                    for (std::size_t i = 0; i < lrs.size(); ++i)
                    {
                        for (std::size_t j = 0; j < i; ++j)
                        {
                            if (lrs[i] == lrs[j])
                            {
                                throw usage_error("--lr: " + format_number(lrs[i]) + " is given twice");
                            }
                        }
                    }
                },
                listed(regression_lrs) + "; with --objective " + listed(objective_lrs));
            line.add_count<std::size_t>("--iterations", s.iterations, "N", "optimizer steps per run",
                                        in_range("--iterations", 1, 100000));
            line.add_value(
                "--loss", "NAME", "regression loss of the runs: " + join(loss_names),
                [&s](const std::string& text) {
                    if (std::find(std::begin(loss_names), std::end(loss_names), text) == std::end(loss_names))
                    {
                        throw usage_error("--loss: unknown loss '" + text + "' (choose from: " + join(loss_names)
                                          + ")");
                    }
                    s.loss = text;
                },
                s.loss);
            line.add_numbers(
                "--init", raw.init, "A,B", "start theta0,theta1",
                [](const std::vector<double>& values, const std::string&) {
                    if (values.size() != 2)
                    {
                        throw usage_error("--init: expected 2 values theta0,theta1, got "
                                          + std::to_string(values.size()));
                    }
                },
                listed(regression_start) + "; with --objective its start");
            line.add_text("--optimizers", raw.optimizers, "NAME,...",
                          "the runs: variants, seed (all of them), library optimizers", "seed");
            line.add_count<std::size_t>("--frames", s.frames, "N", "animation frames", in_range("--frames", 2, 2000),
                                        "iterations + 1, at most " + std::to_string(most_default_frames));
            line.add_value("--objective", "NAME", "a 2-D test function instead of the regression",
                           [&s](const std::string& text) {
                               if (!xoptim::make_test_function(text))
                               {
                                   throw usage_error("--objective: unknown objective '" + text
                                                     + "' (choose from: " + join(xoptim::test_function_names) + ")");
                               }
                               s.objective = text;
                           });
            line.add_switch("--embed-maps",
                            "every figure carries its own contour map, to show in an <img> (default: one shared "
                            "file per map)",
                            [&s] { s.embed_maps = true; });
            line.add_switch("--linear-scale", "draw the loss per iteration on a linear scale (default: log)",
                            [&s] { s.log_scale = false; });
            line.add_switch("--log-scale", "draw the loss per iteration on a log scale (the default)");
            line.add_count<std::size_t>("--batch-size", s.batch_size, "B", "batch size of minibatch_sgd",
                                        [](std::size_t v, const std::string&) {
                                            if (v == 0)
                                            {
                                                throw usage_error("--batch-size: must be at least 1, got 0");
                                            }
                                        });
            line.add_count("--seed", s.seed, "N", "seed of the data set and of the mini-batch shuffle");
            line.add_number("--weight-decay", s.weight_decay, "weight decay", [](double v, const std::string& text) {
                if (v < 0.0) { throw usage_error("--weight-decay: must be >= 0, got " + text); }
            });
            line.add_number("--momentum", s.momentum, "momentum, and beta1 of Adam and LAMB", unit("--momentum"));
            line.add_number("--beta2", s.beta2, "beta2 of Adam and LAMB", unit("--beta2"));
            line.add_number("--eps", s.eps, "eps of Adam and LAMB", [](double v, const std::string& text) {
                if (!(v > 0.0)) { throw usage_error("--eps: must be > 0, got " + text); }
            });
            line.add_count<std::size_t>("--grid", s.grid_points, "N", "grid points per side of the surfaces and maps",
                                        in_range("--grid", 3, 1000));
        }

    }

    settings read_settings(std::span<const std::string> args)
    {
        settings s;
        raw_flags raw;
        command_line line(std::string(usage), description());
        add_report_flags(line, s, raw);
        line.parse(args);
        if (s.objective)
        {
            for (const auto other : {"--loss", "--batch-size", "--seed"})
            {
                if (line.has(other)) { throw usage_error(std::string(other) + " does not apply with --objective"); }
            }
        }
        if (!line.has("--lr"))
        {
            const auto& lrs = s.objective ? objective_lrs : regression_lrs;
            s.lrs.assign(lrs.begin(), lrs.end());
        }
        if (line.has("--init")) { s.init = std::array<double, 2>{raw.init[0], raw.init[1]}; }
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
        if (const auto& v = raw.optimizers)
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
        if (line.has("--linear-scale") && line.has("--log-scale"))
        {
            throw usage_error("--linear-scale and --log-scale: choose one");
        }
        return s;
    }

    void print_report_help(std::ostream& out)
    {
        settings defaults;
        raw_flags raw;
        command_line line(std::string(usage), description());
        add_report_flags(line, defaults, raw);
        line.print_help(out);
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
               "  xoptim-viz report --lr 0.1,1,3 --optimizers sgd,adam,lamb --linear-scale\n"
               "  xoptim-viz report --optimizers seed,nadam,radam,adamax\n"
               "  xoptim-viz report --objective rosenbrock --lr 0.001,0.01 --iterations 500\n";
    }

}
