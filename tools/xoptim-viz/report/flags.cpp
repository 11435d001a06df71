#include "flags.hpp"

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <xoptim/problems/test_functions.hpp>

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

        const flag all_report_flags[] = {
            {"--out", "DIR", "output directory (default build/report)"},
            {"--lr", "X,Y,...", "learning rates (default 0.1,1; with --objective 0.001,0.01)"},
            {"--iterations", "N", "optimizer steps per run (default 100)"},
            {"--loss", "NAME", "regression loss of the runs: mse, rmse (default) or mae"},
            {"--init", "A,B", "start theta0,theta1 (default -20,-10; with --objective its start)"},
            {"--optimizers", "NAME,...", "the runs: variants, seed (all of them, the default), library optimizers"},
            {"--frames", "N", "animation frames (default iterations + 1, at most 201)"},
            {"--objective", "NAME", "a 2-D test function instead of the regression"},
            {"--embed-maps", "",
             "every figure carries its own contour map, to show in an <img> (default: one shared file per map)"},
            {"--linear-scale", "", "draw the loss per iteration on a linear scale (default: log)"},
            {"--log-scale", "", "draw the loss per iteration on a log scale (the default)"},
            {"--batch-size", "B", "batch size of minibatch_sgd (default 10)"},
            {"--seed", "N", "seed of the data set and of the mini-batch shuffle (default 0)"},
            {"--weight-decay", "X", "weight decay (default 0.1)"},
            {"--momentum", "X", "momentum, and beta1 of Adam and LAMB (default 0.9)"},
            {"--beta2", "X", "beta2 of Adam and LAMB (default 0.99)"},
            {"--eps", "X", "eps of Adam and LAMB (default 1e-6)"},
            {"--grid", "N", "grid points per side of the surfaces and maps (default 100)"},
            {"--help", "", "this help"},
        };

    }

    const std::span<const flag> report_flags{all_report_flags};

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
                if (given.has(other)) { throw usage_error(std::string(other) + " does not apply with --objective"); }
            }
        }
        s.lrs = s.objective ? std::vector<double>{0.001, 0.01} : std::vector<double>{0.1, 1.0};
        if (const auto v = given.get("--lr"))
        {
            s.lrs = parse_list("--lr", *v);
            for (double lr : s.lrs)
            {
                if (!(lr > 0.0)) { throw usage_error("--lr: learning rates must be > 0, got " + format_number(lr)); }
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
        if (given.has("--linear-scale") && given.has("--log-scale"))
        {
            throw usage_error("--linear-scale and --log-scale: choose one");
        }
        s.log_scale = !given.has("--linear-scale");
        s.embed_maps = given.has("--embed-maps");
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
               "  xoptim-viz report --lr 0.1,1,3 --optimizers sgd,adam,lamb --linear-scale\n"
               "  xoptim-viz report --optimizers seed,nadam,radam,adamax\n"
               "  xoptim-viz report --objective rosenbrock --lr 0.001,0.01 --iterations 500\n";
    }

}
