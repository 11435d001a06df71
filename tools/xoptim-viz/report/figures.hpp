// The report's composite figures for optimisation runs over two parameters, built from the
// xoptim::viz primitives:
//   run_animation   one run in four panels that move in step: the data with the line fitted
//                   so far, the path over the contour map with a moving marker, the two
//                   parameters and the loss against the iteration, each with a cursor;
//   paths_figure    every run's path over one contour map, growing together;
//   loss_chart      the loss per iteration of several runs (linear or log scale);
//   data_figure     a scatter plot of the data with a reference line (e.g. least squares).
// A run that diverged ends early: its figures stop at the last finite entry, hold that
// position to the end of the animation and say where it stopped; no NaN reaches the SVG.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <xoptim/viz/animation.hpp>
#include <xoptim/viz/axes.hpp>
#include <xoptim/viz/chart.hpp>
#include <xoptim/viz/colour.hpp>
#include <xoptim/viz/contour.hpp>
#include <xoptim/viz/svg.hpp>

namespace xoptim_viz::figures
{
    using namespace xoptim::viz;

    /// The history of one run over two parameters: entry k is the state after k iterations
    /// (entry 0 the start). A diverged run holds only its finite entries.
    struct run_history
    {
        std::string name;
        std::vector<double> theta0;
        std::vector<double> theta1;
        std::vector<double> loss;
        std::size_t planned = 0;  ///< iterations the run was meant to take; 0: loss.size() - 1
        bool diverged = false;
        std::optional<rgb> colour;  ///< default: the colour cycle by position
    };

    /// A straight line y = intercept + slope x.
    struct line2
    {
        double intercept = 0.0;
        double slope = 0.0;
    };

    /// The data of a one-input regression, for the data panel.
    struct scatter_data
    {
        std::vector<double> x;
        std::vector<double> y;
        std::optional<line2> reference;  ///< drawn dashed, e.g. the least-squares line
        std::string reference_name = "least squares";
        std::string x_label = "x";
        std::string y_label = "y";
    };

    namespace detail
    {
        inline void validate_run(const run_history& r, const char* fn)
        {
            if (r.loss.empty())
            {
                throw std::invalid_argument(std::string(fn) + ": run '" + r.name
                                            + "' must have at least one entry, got 0");
            }
            if (r.theta0.size() != r.loss.size() || r.theta1.size() != r.loss.size())
            {
                throw std::invalid_argument(std::string(fn) + ": run '" + r.name
                                            + "': theta0, theta1 and loss must have the same size, got "
                                            + std::to_string(r.theta0.size()) + ", " + std::to_string(r.theta1.size())
                                            + " and " + std::to_string(r.loss.size()));
            }
            if (r.planned != 0 && r.planned + 1 < r.loss.size())
            {
                throw std::invalid_argument(std::string(fn) + ": run '" + r.name + "': planned must be 0 or at least "
                                            + std::to_string(r.loss.size() - 1) + ", got " + std::to_string(r.planned));
            }
            for (const auto* v : {&r.theta0, &r.theta1, &r.loss})
            {
                for (double e : *v)
                {
                    if (!std::isfinite(e))
                    {
                        throw std::invalid_argument(std::string(fn) + ": run '" + r.name
                                                    + "' holds a non-finite value (keep only the finite entries)");
                    }
                }
            }
        }

        inline std::size_t planned_of(const run_history& r) { return r.planned != 0 ? r.planned : r.loss.size() - 1; }

        /// v extended to n entries by repeating its last one.
        inline std::vector<double> held(std::vector<double> v, std::size_t n)
        {
            if (!v.empty() && v.size() < n) { v.resize(n, v.back()); }
            return v;
        }

        inline std::vector<double> counting(std::size_t n)
        {
            std::vector<double> v(n);
            for (std::size_t k = 0; k < n; ++k) { v[k] = static_cast<double>(k); }
            return v;
        }

        /// "name" or "name (diverged at iteration k)".
        inline std::string run_label(const run_history& r)
        {
            if (!r.diverged) { return r.name; }
            return r.name + " (diverged at " + std::to_string(r.loss.size()) + ")";
        }

        inline rgb run_colour(const run_history& r, std::size_t i) { return r.colour ? *r.colour : cycle_colour(i); }

        /// The range of `values`, but no further than `limit` beyond `keep` on either side
        /// (so that a diverging run does not squash everything else).
        inline range bounded_range(const std::vector<double>& values, range keep, double limit)
        {
            range r = keep;
            for (double v : values)
            {
                if (std::isfinite(v))
                {
                    r.lo = std::min(r.lo, std::max(v, keep.lo - limit));
                    r.hi = std::max(r.hi, std::min(v, keep.hi + limit));
                }
            }
            return r;
        }

        inline std::string short_number(double v)
        {
            const double a = std::abs(v);
            if (a != 0.0 && (a >= 1e5 || a < 1e-3)) { return xoptim::viz::detail::compact_scientific(v, 3); }
            const int decimals = a == 0.0 ? 0 : std::clamp(3 - static_cast<int>(std::floor(std::log10(a))), 0, 5);
            return xoptim::viz::format_number(v, decimals);
        }

        /// A cross marking a point (e.g. the optimum) with a white halo.
        inline void optimum_mark(svg_writer& svg, const frame& f, point at, const std::string& label)
        {
            if (!f.accepts(at.x, at.y)) { return; }
            const point p = f.to_px(at.x, at.y);
            svg.group({{"clip-path", f.clip}, {"class", "optimum"}});
            for (const auto& [colour, width] : {std::pair<const char*, double>{"#ffffff", 4.0}, {"#000000", 1.8}})
            {
                svg.line(p.x - 6, p.y - 6, p.x + 6, p.y + 6, {{"stroke", colour}, {"stroke-width", width}});
                svg.line(p.x - 6, p.y + 6, p.x + 6, p.y - 6, {{"stroke", colour}, {"stroke-width", width}});
            }
            if (!label.empty())
            {
                svg.text(p.x + 8, p.y - 8, label,
                         {{"font-size", 11},
                          {"fill", "#000000"},
                          {"stroke", "#ffffff"},
                          {"stroke-width", 3},
                          {"paint-order", "stroke"}});
            }
            svg.close();
        }

        /// The path of one run over a map frame, with a white halo under it so that it shows
        /// on any colour of the map, and a marker moving along it.
        inline void run_path(svg_writer& svg, const frame& map, const run_history& r, const timeline& t, rgb colour)
        {
            const std::size_t n = planned_of(r) + 1;
            const auto x = held(r.theta0, n);
            const auto y = held(r.theta1, n);
            animated_path(svg, map, x, y, t, {{"stroke", "#ffffff"}, {"stroke-width", 4.5}, {"stroke-opacity", 0.8}});
            animated_path(svg, map, x, y, t, {{"stroke", colour.hex()}, {"stroke-width", 2}});
            // The start as a hollow circle.
            if (map.accepts(x.front(), y.front()))
            {
                const point s = map.to_px(x.front(), y.front());
                svg.group({{"clip-path", map.clip}});
                svg.circle(s.x, s.y, 4.5, {{"fill", "#ffffff"}, {"stroke", colour.hex()}, {"stroke-width", 2}});
                svg.close();
            }
            animated_marker(svg, map, x, y, t, {{"fill", colour.hex()}, {"stroke", "#ffffff"}, {"stroke-width", 1.5}},
                            5.5);
        }

        /// Text that follows the frames of t: texts[k] belongs to history entry k. One <text>
        /// per run of frames showing the same text, each with a discrete visibility animation
        /// of at most three values (switching half-way between frames, as the other animated
        /// elements move), so the size grows with the frames, not with their square. The
        /// static picture shows the last text.
        inline void frame_caption(svg_writer& svg, double x, double y, const std::vector<std::string>& texts,
                                  const timeline& t, const attrs& style)
        {
            validate_timeline(t);
            if (texts.empty()) { throw std::invalid_argument("frame_caption: texts must not be empty, got 0 texts"); }
            const auto idx = frame_indices(texts.size(), t.frames);
            const double frames = static_cast<double>(t.frames);
            const auto begins = [&](std::size_t k) {
                return t.discrete ? static_cast<double>(k) / frames : (static_cast<double>(k) - 0.5) / (frames - 1.0);
            };
            svg.group(style);
            std::size_t k = 0;
            while (k < t.frames)
            {
                std::size_t e = k;
                while (e + 1 < t.frames && texts[idx[e + 1]] == texts[idx[k]]) { ++e; }
                const bool first = k == 0;
                const bool last = e + 1 == t.frames;
                svg.open("text", {{"x", x}, {"y", y}, {"visibility", last ? "visible" : "hidden"}});
                svg.raw(xml_escape(texts[idx[k]]) + "\n");
                if (!(first && last))
                {
                    std::string values = first ? "visible" : "hidden;visible";
                    std::string times = "0";
                    if (!first)
                    {
                        times += ';';
                        times += xoptim::viz::format_number(begins(k), 6);
                    }
                    if (!last)
                    {
                        values += ";hidden";
                        times += ';';
                        times += xoptim::viz::format_number(begins(e + 1), 6);
                    }
                    svg.element("animate", {{"attributeName", "visibility"},
                                            {"values", values},
                                            {"keyTimes", times},
                                            {"dur", xoptim::viz::format_number(t.duration_s, 3) + "s"},
                                            {"begin", "0s"},
                                            {"calcMode", "discrete"},
                                            {"repeatCount", "indefinite"}});
                }
                svg.close();
                k = e + 1;
            }
            svg.close();
        }

        inline series run_series(const run_history& r, std::size_t i, const std::vector<double>& values)
        {
            series s = iteration_series(run_label(r), values);
            s.colour = run_colour(r, i);
            return s;
        }
    }

    // ------------------------------------------------------------------------------ data

    /// The data as points with the reference line (if any) across the x range of the data.
    inline std::string data_figure(const scatter_data& d, chart_options opt = {})
    {
        if (d.x.size() != d.y.size() || d.x.empty())
        {
            throw std::invalid_argument("data_figure: x and y must have the same non-zero size, got "
                                        + std::to_string(d.x.size()) + " and " + std::to_string(d.y.size()));
        }
        if (opt.x_label.empty()) { opt.x_label = d.x_label; }
        if (opt.y_label.empty()) { opt.y_label = d.y_label; }
        std::vector<series> overlays;
        if (d.reference)
        {
            const auto [lo, hi] = std::minmax_element(d.x.begin(), d.x.end());
            series line;
            line.name = d.reference_name;
            line.x = {*lo, *hi};
            line.y = {d.reference->intercept + d.reference->slope * *lo,
                      d.reference->intercept + d.reference->slope * *hi};
            line.colour = cycle_colour(1);
            line.stroke_width = 2.2;
            overlays.push_back(std::move(line));
        }
        return scatter_plot(d.x, d.y, overlays, opt);
    }

    // ------------------------------------------------------------------------------ loss

    struct loss_chart_options
    {
        std::string title;
        std::string y_label = "loss";
        double width = 760;
        double height = 440;
        bool log_y = false;
        std::optional<double> optimum;  ///< drawn as a dashed grey line
        double overshoot = 3.0;         ///< the y axis shows at most this many times the start's loss
    };

    /// The loss per iteration of every run. Diverged runs end where they stopped and say so in
    /// the legend; values beyond `overshoot` times the highest starting loss are cut off.
    inline std::string loss_chart(const std::vector<run_history>& runs, const loss_chart_options& opt = {})
    {
        if (runs.empty()) { throw std::invalid_argument("loss_chart: runs must not be empty, got 0 runs"); }
        std::size_t planned = 1;
        double start = 0.0;
        std::vector<double> all;
        for (const auto& r : runs)
        {
            detail::validate_run(r, "loss_chart");
            planned = std::max(planned, detail::planned_of(r));
            start = std::max(start, std::abs(r.loss.front()));
            all.insert(all.end(), r.loss.begin(), r.loss.end());
        }
        if (opt.optimum && std::isfinite(*opt.optimum)) { all.push_back(*opt.optimum); }
        chart_options co;
        co.title = opt.title;
        co.x_label = "iteration";
        co.y_label = opt.y_label;
        co.width = opt.width;
        co.height = opt.height;
        co.log_y = opt.log_y;
        co.x_range = range{0.0, static_cast<double>(planned)};
        if (auto r = finite_range(all, opt.log_y))
        {
            const double cap = opt.overshoot * std::max(start, r->lo);
            r->hi = std::min(r->hi, cap > r->lo ? cap : r->hi);
            if (!opt.log_y) { r->lo = std::min(r->lo, 0.0); }
            co.y_range = *r;
        }
        std::vector<series> all_series;
        for (std::size_t i = 0; i < runs.size(); ++i)
        {
            all_series.push_back(detail::run_series(runs[i], i, runs[i].loss));
        }
        if (opt.optimum && std::isfinite(*opt.optimum) && (!opt.log_y || *opt.optimum > 0.0))
        {
            series best;
            best.name = "optimal loss";
            best.x = {0.0, static_cast<double>(planned)};
            best.y = {*opt.optimum, *opt.optimum};
            best.colour = rgb{0x88, 0x88, 0x88};
            best.dash = "5,4";
            best.stroke_width = 1.2;
            all_series.push_back(std::move(best));
        }
        return line_chart(all_series, co);
    }

    // ------------------------------------------------------------------------------ paths

    struct paths_options
    {
        std::string title;
        std::string x_label = "theta0";
        std::string y_label = "theta1";
        double width = 900;
        double height = 600;
        contour_options map;  ///< levels and colours; its title, labels and size are ignored
        timeline time{50, 10.0, false};
        std::optional<point> optimum;
        std::string optimum_label = "optimum";
    };

    /// Every run's path over one contour map, growing together, with a legend at the right.
    inline std::string paths_figure(const std::vector<run_history>& runs, const grid& g, const paths_options& opt = {})
    {
        for (const auto& r : runs) { detail::validate_run(r, "paths_figure"); }
        std::vector<legend_entry> entries;
        for (std::size_t i = 0; i < runs.size(); ++i)
        {
            entries.push_back({detail::run_label(runs[i]), detail::run_colour(runs[i], i), "", true, false});
        }
        const auto [lw, lh] = legend_size(entries);
        svg_writer svg(opt.width, opt.height);
        svg.rect(0, 0, opt.width, opt.height, {{"fill", "#ffffff"}});
        contour_options co = opt.map;
        co.title = opt.title;
        co.x_label = opt.x_label;
        co.y_label = opt.y_label;
        const double legend_room = entries.empty() ? 0.0 : lw + 16.0;
        const frame map = draw_contour_map(svg, {0, 0, opt.width - legend_room, opt.height}, g, co);
        for (std::size_t i = 0; i < runs.size(); ++i)
        {
            detail::run_path(svg, map, runs[i], opt.time, detail::run_colour(runs[i], i));
        }
        if (opt.optimum) { detail::optimum_mark(svg, map, *opt.optimum, opt.optimum_label); }
        draw_legend(svg, opt.width - legend_room + 4.0, map.area.y, entries);
        (void)lh;
        return svg.str();
    }

    // ------------------------------------------------------------------------------ one run

    struct run_figure_options
    {
        std::string title;
        std::string theta0_label = "theta0";
        std::string theta1_label = "theta1";
        std::string loss_label = "loss";
        double width = 1100;
        double height = 820;
        timeline time{50, 10.0, false};
        contour_options map;  ///< levels and colours; its title, labels and size are ignored
        std::optional<point> optimum;
        std::string optimum_label = "optimum";
        bool log_loss = false;
    };

    /// One run in four panels, all moving in step: the data with the line fitted so far (only
    /// when `data` is given; otherwise the loss takes its place), the path over the contour map
    /// of g with a moving marker, the parameters and the loss against the iteration with a
    /// cursor. A caption above follows the iteration, the loss and the parameters. Without
    /// animation the picture shows the final state and the whole path.
    inline std::string run_animation(const run_history& run, const grid& g, const run_figure_options& opt,
                                     const scatter_data* data = nullptr)
    {
        detail::validate_run(run, "run_animation");
        validate_timeline(opt.time);
        if (data != nullptr && (data->x.size() != data->y.size() || data->x.empty()))
        {
            throw std::invalid_argument("run_animation: data x and y must have the same non-zero size, got "
                                        + std::to_string(data->x.size()) + " and " + std::to_string(data->y.size()));
        }
        const std::size_t planned = detail::planned_of(run);
        const std::size_t n = planned + 1;
        const std::size_t last = run.loss.size() - 1;
        const rgb colour = detail::run_colour(run, 0);
        const timeline& t = opt.time;

        svg_writer svg(opt.width, opt.height);
        svg.rect(0, 0, opt.width, opt.height, {{"fill", "#ffffff"}});
        svg.text(opt.width / 2, 26, opt.title, {{"text-anchor", "middle"}, {"font-size", 18}, {"font-weight", "bold"}});

        // The caption that follows the run.
        std::vector<std::string> captions;
        captions.reserve(n);
        for (std::size_t k = 0; k < n; ++k)
        {
            const std::size_t e = std::min(k, last);
            std::string c = "iteration " + std::to_string(k) + ":  " + opt.loss_label + " = "
                            + detail::short_number(run.loss[e]) + ",  " + opt.theta0_label + " = "
                            + detail::short_number(run.theta0[e]) + ",  " + opt.theta1_label + " = "
                            + detail::short_number(run.theta1[e]);
            if (run.diverged && k > last)
            {
                c = "diverged after iteration " + std::to_string(last) + " (the next step was not finite or too large)";
            }
            captions.push_back(std::move(c));
        }
        detail::frame_caption(
            svg, opt.width / 2, 52, captions, t,
            {{"text-anchor", "middle"}, {"font-size", 14}, {"fill", run.diverged ? "#b00020" : "#222222"}});

        const double top = 66.0;
        const double half_w = opt.width / 2;
        const double row_h = (opt.height - top) / 2;
        const box top_left{0, top, half_w, row_h};
        const box top_right{half_w, top, half_w, row_h};
        const box bottom_left{0, top + row_h, half_w, row_h};
        const box bottom_right{half_w, top + row_h, half_w, row_h};
        const box bottom_wide{0, top + row_h, opt.width, row_h};

        const std::vector<double> iterations = detail::counting(n);
        std::vector<double> cursor = iterations;
        for (double& c : cursor) { c = std::min(c, static_cast<double>(last)); }
        const auto held_loss = detail::held(run.loss, n);

        // The data with the current fitted line.
        if (data != nullptr)
        {
            chart_options co;
            co.title = "The data and the fitted line";
            co.x_label = data->x_label;
            co.y_label = data->y_label;
            std::vector<series> all;
            series pts;
            pts.name = "data";
            pts.x = data->x;
            pts.y = data->y;
            pts.style = series_style::markers;
            pts.colour = rgb{0x55, 0x55, 0x55};
            all.push_back(std::move(pts));
            if (data->reference)
            {
                const auto [lo, hi] = std::minmax_element(data->x.begin(), data->x.end());
                series ref;
                ref.name = data->reference_name;
                ref.x = {*lo, *hi};
                ref.y = {data->reference->intercept + data->reference->slope * *lo,
                         data->reference->intercept + data->reference->slope * *hi};
                ref.colour = rgb{0x00, 0x00, 0x00};
                ref.dash = "6,4";
                ref.stroke_width = 1.4;
                all.push_back(std::move(ref));
            }
            const frame df = draw_chart(svg, top_left, all, co);
            // The animated line gets its own legend entry under the chart's.
            const auto [aw, ah] = legend_size(series_legend(all, false, false));
            (void)aw;
            draw_legend(svg, df.area.right() + 12.0, df.area.y + ah + 6.0, {{"fitted now", colour, "", true, false}});
            animated_fit_line(svg, df, detail::held(run.theta0, n), detail::held(run.theta1, n), t,
                              {{"stroke", colour.hex()}, {"stroke-width", 2.4}});
        }

        // The path over the contour map.
        {
            contour_options co = opt.map;
            co.title = "The path over the " + opt.loss_label;
            co.x_label = opt.theta0_label;
            co.y_label = opt.theta1_label;
            const frame map = draw_contour_map(svg, data != nullptr ? top_right : top_left, g, co);
            if (opt.optimum) { detail::optimum_mark(svg, map, *opt.optimum, opt.optimum_label); }
            detail::run_path(svg, map, run, t, colour);
        }

        // The loss against the iteration.
        {
            chart_options co;
            co.title = opt.loss_label + " per iteration";
            co.x_label = "iteration";
            co.y_label = opt.loss_label;
            co.log_y = opt.log_loss;
            co.legend = false;
            co.x_range = range{0.0, static_cast<double>(planned)};
            if (auto r = finite_range(run.loss, opt.log_loss))
            {
                if (!opt.log_loss) { r->lo = std::min(r->lo, 0.0); }
                co.y_range = *r;
            }
            series s = iteration_series(opt.loss_label, run.loss);
            s.colour = colour;
            const frame lf = draw_chart(svg, data != nullptr ? bottom_right : top_right, {s}, co);
            animated_cursor(svg, lf, cursor, t);
            animated_marker(svg, lf, cursor, held_loss, t, {{"fill", colour.hex()}, {"stroke", "#ffffff"}}, 4.5);
        }

        // The parameters against the iteration.
        {
            chart_options co;
            co.title = "The parameters per iteration";
            co.x_label = "iteration";
            co.y_label = "value";
            co.x_range = range{0.0, static_cast<double>(planned)};
            const range keep{std::min(g.x.front(), g.y.front()), std::max(g.x.back(), g.y.back())};
            const double limit = 2.0 * (keep.hi - keep.lo);
            std::vector<double> both = run.theta0;
            both.insert(both.end(), run.theta1.begin(), run.theta1.end());
            co.y_range = detail::bounded_range(both, keep, limit);
            series a = iteration_series(opt.theta0_label, run.theta0);
            a.colour = cycle_colour(0);
            series b = iteration_series(opt.theta1_label, run.theta1);
            b.colour = cycle_colour(2);
            const frame pf = draw_chart(svg, data != nullptr ? bottom_left : bottom_wide, {a, b}, co);
            animated_cursor(svg, pf, cursor, t);
        }
        return svg.str();
    }
}
