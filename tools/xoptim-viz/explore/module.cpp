// The explorer's WebAssembly module: xoptim-viz fit itself (fit_command.cpp, the same flags and
// the same code path), the loss map of a problem, and the optimizers' flags, for explore.js.
// Built with em++ only (explore/CMakeLists.txt); every call returns text the page parses.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <limits>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <xoptim/losses/huber.hpp>
#include <xoptim/losses/mae.hpp>
#include <xoptim/losses/mse.hpp>
#include <xoptim/losses/rmse.hpp>
#include <xoptim/problems/linear_regression.hpp>
#include <xoptim/problems/seed_data.hpp>
#include <xoptim/problems/test_functions.hpp>
#include <xoptim/viz/colour.hpp>
#include <xoptim/viz/contour.hpp>

#include "../cli.hpp"
#include "../lbfgs_fit.hpp"
#include "../optimizer_table.hpp"
#include "../seed_data_flags.hpp"

namespace xoptim_viz
{
    int fit_command(std::span<const std::string> args, std::ostream& out, std::ostream& err);

    namespace
    {
        std::string output;  ///< what the last call wrote (xoptim_output)
        std::string errors;  ///< what it wrote to standard error (xoptim_errors)

        /// "--a\n1\n--b": one argument per line.
        std::vector<std::string> split_lines(std::string_view text)
        {
            std::vector<std::string> out;
            while (!text.empty())
            {
                const auto nl = text.find('\n');
                out.emplace_back(text.substr(0, nl));
                if (nl == std::string_view::npos) { break; }
                text.remove_prefix(nl + 1);
            }
            return out;
        }

        std::string json_string(std::string_view s)
        {
            std::string out = "\"";
            for (const char c : s)
            {
                if (c == '"' || c == '\\') { out += '\\'; }
                if (static_cast<unsigned char>(c) < 0x20) { out += ' '; }
                else { out += c; }
            }
            return out + "\"";
        }

        std::string json_number(double v) { return std::isfinite(v) ? format_number(v) : "null"; }

        /// The map's flags: the problem as xoptim-viz fit names it, and the picture's size.
        const flag map_flags[] = {
            {"--objective", "NAME", ""}, {"--loss", "NAME", ""}, {"--seed", "N", ""},    {"--points", "N", ""},
            {"--noise", "X", ""},        {"--width", "PX", ""},  {"--height", "PX", ""}, {"--grid", "N", ""},
        };

        struct box
        {
            double x0, x1, y0, y1;
        };

        /// The lowest point of f over b: a grid search, then four finer ones around the best.
        template <class F>
        std::array<double, 3> lowest_point(const box& b, F&& f)
        {
            double cx = 0.5 * (b.x0 + b.x1), cy = 0.5 * (b.y0 + b.y1);
            double hx = 0.5 * (b.x1 - b.x0), hy = 0.5 * (b.y1 - b.y0);
            double best = std::numeric_limits<double>::infinity();
            constexpr int n = 40;
            for (int round = 0; round < 5; ++round)
            {
                const double ox = cx, oy = cy;
                for (int i = 0; i <= n; ++i)
                {
                    for (int j = 0; j <= n; ++j)
                    {
                        const double x = ox - hx + 2 * hx * i / n, y = oy - hy + 2 * hy * j / n;
                        const double v = f(x, y);
                        if (v < best)
                        {
                            best = v;
                            cx = x;
                            cy = y;
                        }
                    }
                }
                hx *= 4.0 / n;
                hy *= 4.0 / n;
            }
            return {cx, cy, best};
        }

        /// The map as JSON: its box, contour levels, filled bands and lines as SVG path data in
        /// pixels (x to the right, y up the page), and the minima marked on it.
        template <class F>
        std::string map_json(const box& b, std::size_t width, std::size_t height, std::size_t points, F&& f,
                             const std::vector<std::array<double, 3>>& minima)
        {
            namespace viz = xoptim::viz;
            const viz::grid g = viz::sample_grid({b.x0, b.x1}, points, {b.y0, b.y1}, points, f);
            double lo = std::numeric_limits<double>::infinity(), hi = -lo;
            for (const double z : g.z)
            {
                if (std::isfinite(z))
                {
                    lo = std::min(lo, z);
                    hi = std::max(hi, z);
                }
            }
            for (const auto& m : minima) { lo = std::min(lo, m[2]); }
            constexpr std::size_t count = 14;
            std::vector<double> levels;
            const bool log = lo >= 0.0 && hi > 0.0;
            if (log)
            {
                const double floor = std::max(lo, hi * 1e-6);
                levels = viz::log_levels(floor + (hi - floor) * 1e-4, hi * 0.9, count);
            }
            else { levels = viz::linear_levels(lo, hi, count + 2); }
            const double w = static_cast<double>(width), h = static_cast<double>(height);
            const auto to_px = [&](const std::vector<viz::contour_path>& paths) {
                std::string d;
                for (const auto& p : paths)
                {
                    std::vector<viz::point> px;
                    px.reserve(p.points.size());
                    for (const auto& q : p.points)
                    {
                        px.push_back({std::round((q.x - b.x0) / (b.x1 - b.x0) * w * 10) / 10,
                                      std::round((b.y1 - q.y) / (b.y1 - b.y0) * h * 10) / 10});
                    }
                    const std::string piece = viz::path_data({px}, p.closed);
                    if (!piece.empty()) { d += d.empty() ? piece : " " + piece; }
                }
                return d;
            };
            const std::size_t bands = levels.size() + 1;
            const auto band_colour = [&](std::size_t k) {
                return viz::viridis(static_cast<double>(k) / static_cast<double>(bands - 1)).hex();
            };
            std::string out = "{\"box\":[" + json_number(b.x0) + "," + json_number(b.x1) + "," + json_number(b.y0) + ","
                              + json_number(b.y1) + "],\"log\":" + (log ? "true" : "false") + ",\"levels\":[";
            for (std::size_t k = 0; k < levels.size(); ++k) { out += (k ? "," : "") + json_number(levels[k]); }
            out += "],\"base\":" + json_string(band_colour(0)) + ",\"bands\":[";
            bool first = true;
            for (std::size_t k = 0; k < levels.size(); ++k)
            {
                const std::string d = to_px(viz::contour_region(g, levels[k]));
                if (d.empty()) { continue; }
                out += (first ? "" : ",") + std::string("{\"fill\":") + json_string(band_colour(k + 1))
                       + ",\"d\":" + json_string(d) + "}";
                first = false;
            }
            out += "],\"lines\":[";
            first = true;
            for (const double level : levels)
            {
                const std::string d = to_px(viz::contour_lines(g, level));
                if (d.empty()) { continue; }
                out += (first ? "" : ",") + json_string(d);
                first = false;
            }
            out += "],\"minima\":[";
            for (std::size_t k = 0; k < minima.size(); ++k)
            {
                out += (k ? "," : "") + std::string("[") + json_number(minima[k][0]) + "," + json_number(minima[k][1])
                       + "," + json_number(minima[k][2]) + "]";
            }
            return out + "]}";
        }

        /// The loss map of the problem the flags name (a test function, or a loss on the seed's
        /// data set): usage_error on bad flags.
        std::string make_map(std::span<const std::string> args)
        {
            const parsed_flags given = parse_flags(args, map_flags);
            const auto size = [&](const char* name, std::size_t fallback, std::size_t most) {
                const auto v = given.get(name);
                const std::size_t n = v ? parse_unsigned(name, *v) : fallback;
                if (n < 2 || n > most)
                {
                    throw usage_error(std::string(name) + ": between 2 and " + std::to_string(most) + ", got "
                                      + std::to_string(n));
                }
                return n;
            };
            const std::size_t width = size("--width", 480, 4096), height = size("--height", 480, 4096);
            const std::size_t points = size("--grid", 90, 400);
            if (const auto name = given.get("--objective"))
            {
                const auto function = xoptim::make_test_function(*name);
                if (!function) { throw usage_error("unknown objective '" + *name + "'"); }
                return std::visit(
                    [&](const auto& fn) {
                        const auto vb = fn.view_box();
                        std::vector<std::array<double, 3>> minima;
                        for (const auto& m : fn.minima()) { minima.push_back({m.x, m.y, m.value}); }
                        return map_json(
                            {vb.x_min, vb.x_max, vb.y_min, vb.y_max}, width, height, points,
                            [&](double x, double y) { return fn.f(x, y); }, minima);
                    },
                    *function);
            }
            // fit's own checks, so the map is never of a data set fit would refuse.
            const xoptim::seed_data_options o = seed_data_flags(given);
            const std::uint64_t seed = given.get("--seed") ? parse_unsigned("--seed", *given.get("--seed")) : 0;
            const std::string loss = given.get("--loss").value_or("mse");
            const auto with = [&](auto l) {
                const xoptim::linear_regression<decltype(l)> problem(xoptim::seed_data(seed, o), l);
                xt::xtensor<double, 1> theta = xt::zeros<double>({std::size_t{2}});
                const auto f = [&](double a, double c) {
                    theta(0) = a;
                    theta(1) = c;
                    return problem.value(theta);
                };
                const box b{-20.0, 20.0, -20.0, 20.0};
                return map_json(b, width, height, points, f, {lowest_point(b, f)});
            };
            if (loss == "mse") { return with(xoptim::mse{}); }
            if (loss == "rmse") { return with(xoptim::rmse{}); }
            if (loss == "mae") { return with(xoptim::mae{}); }
            if (loss == "huber") { return with(xoptim::huber{}); }
            throw usage_error("unknown loss '" + loss + "'");
        }

        /// Every optimizer, one per line: name, a tab, its summary, a tab, its flags and defaults.
        std::string optimizer_table()
        {
            std::string out;
            for (const auto name : optimizer_names())
            {
                if (is_matrix_optimizer(name)) { continue; }
                out += std::string(name) + "\t" + std::string(optimizer_summary(name)) + "\t" + optimizer_defaults(name)
                       + "\n";
            }
            out += "lbfgs\tL-BFGS (torch.optim.LBFGS); each step is one step(closure) of up to --max-iter "
                   "iterations\t--lr 1 --max-iter 20 --max-eval 25 --tolerance-grad 1e-07 --tolerance-change 1e-09 "
                   "--history-size 100 --line-search none\n";
            return out;
        }
    }  // namespace
}  // namespace xoptim_viz

extern "C"
{
    /// Runs `xoptim-viz fit` on these arguments (one per line); returns its exit status. Its
    /// standard output (the CSV) is then xoptim_output(), its standard error xoptim_errors().
    int xoptim_fit(const char* args)
    {
        using namespace xoptim_viz;
        // fit's progress bar draws on a terminal, and Emscripten's stderr is one: off here.
        static const bool quiet = std::freopen("/dev/null", "w", stderr) != nullptr;
        (void)quiet;
        std::ostringstream out, err;
        int status = exit_failure;
        try
        {
            const auto list = split_lines(args);
            status = fit_command(list, out, err);
        }
        catch (const std::exception& e)
        {
            err << "xoptim-viz fit: error: " << e.what() << "\n";
        }
        output = out.str();
        errors = err.str();
        return status;
    }

    /// The map of a problem (see make_map) as JSON in xoptim_output(); 0, or 2 with the reason.
    int xoptim_map(const char* args)
    {
        using namespace xoptim_viz;
        output.clear();
        errors.clear();
        try
        {
            output = make_map(split_lines(args));
            return exit_ok;
        }
        catch (const std::exception& e)
        {
            errors = std::string("map: ") + e.what();
            return exit_usage;
        }
    }

    /// The optimizers and their flags (see optimizer_table) in xoptim_output().
    int xoptim_optimizers()
    {
        xoptim_viz::output = xoptim_viz::optimizer_table();
        xoptim_viz::errors.clear();
        return 0;
    }

    /// The test functions: name, a tab, the view box x0,x1,y0,y1, a tab, the start x,y; one per line.
    int xoptim_objectives()
    {
        std::string out;
        for (const auto name : xoptim::test_function_names)
        {
            std::visit(
                [&](const auto& fn) {
                    const auto vb = fn.view_box();
                    const auto s = fn.start();
                    out += std::string(name) + "\t" + xoptim_viz::format_number(vb.x_min) + ","
                           + xoptim_viz::format_number(vb.x_max) + "," + xoptim_viz::format_number(vb.y_min) + ","
                           + xoptim_viz::format_number(vb.y_max) + "\t" + xoptim_viz::format_number(s[0]) + ","
                           + xoptim_viz::format_number(s[1]) + "\n";
                },
                *xoptim::make_test_function(name));
        }
        xoptim_viz::output = out;
        return 0;
    }

    const char* xoptim_output() { return xoptim_viz::output.c_str(); }
    const char* xoptim_errors() { return xoptim_viz::errors.c_str(); }
}
