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
#include <iterator>
#include <limits>
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
        std::string dash;           ///< stroke-dasharray of its lines; empty: solid
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

    /// A zoomed view of a map around its optimum, drawn in a corner of the map for the runs that
    /// end inside it (the whole map shows a bounce of 1 in 40 as a few pixels).
    struct inset_view
    {
        grid g;               ///< the loss sampled over the inset's range (its range is the view)
        contour_options map;  ///< levels and colours; its title, labels, size and colour bar are ignored
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
            attrs line{{"stroke", colour.hex()}, {"stroke-width", t.discrete ? 1.4 : 2.0}};
            if (!r.dash.empty()) { line.emplace_back("stroke-dasharray", r.dash); }
            animated_path(svg, map, x, y, t, line);
            // Discrete frames: every iterate a dot, appearing with its frame.
            if (t.discrete) { animated_points(svg, map, x, y, t, {{"stroke", colour.hex()}}, 2.4); }
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

        inline bool inside(const grid& g, double x, double y)
        {
            return x >= g.x.front() && x <= g.x.back() && y >= g.y.front() && y <= g.y.back();
        }

        inline bool ends_inside(const run_history& r, const grid& g)
        {
            return inside(g, r.theta0.back(), r.theta1.back());
        }

        /// Draws the inset in the corner of `map` that hides the fewest of the runs' iterates
        /// (and never the optimum when another corner does not), outlines its range on the map,
        /// and draws the runs over it in step with the map.
        inline void draw_inset(svg_writer& svg, const frame& map, const inset_view& in,
                               const std::vector<const run_history*>& runs, const std::vector<rgb>& colours,
                               const timeline& t, std::optional<point> optimum)
        {
            const double w = std::min(0.48 * map.area.width, 280.0);
            const double h = std::min(0.48 * map.area.height, 230.0);
            const box corners[] = {{map.area.right() - w - 4, map.area.bottom() - h - 4, w, h},
                                   {map.area.x + 4, map.area.bottom() - h - 4, w, h},
                                   {map.area.right() - w - 4, map.area.y + 4, w, h},
                                   {map.area.x + 4, map.area.y + 4, w, h}};
            const auto covers = [](const box& b, point p) {
                return p.x >= b.x && p.x <= b.right() && p.y >= b.y && p.y <= b.bottom();
            };
            std::size_t best = 0;
            double best_cost = std::numeric_limits<double>::infinity();
            for (std::size_t c = 0; c < std::size(corners); ++c)
            {
                double cost = 0.0;
                for (const auto* r : runs)
                {
                    for (std::size_t k = 0; k < r->loss.size(); ++k)
                    {
                        if (map.accepts(r->theta0[k], r->theta1[k])
                            && covers(corners[c], map.to_px(r->theta0[k], r->theta1[k])))
                        {
                            cost += 1.0;
                        }
                    }
                }
                if (optimum && map.accepts(optimum->x, optimum->y)
                    && covers(corners[c], map.to_px(optimum->x, optimum->y)))
                {
                    cost += 1e6;
                }
                if (cost < best_cost)
                {
                    best_cost = cost;
                    best = c;
                }
            }
            const box b = corners[best];
            // The inset's range on the map.
            const point lo = map.to_px(in.g.x.front(), in.g.y.front());
            const point hi = map.to_px(in.g.x.back(), in.g.y.back());
            svg.group({{"clip-path", map.clip}, {"class", "inset-range"}});
            svg.rect(std::min(lo.x, hi.x), std::min(lo.y, hi.y), std::abs(hi.x - lo.x), std::abs(hi.y - lo.y),
                     {{"fill", "none"}, {"stroke", "#ffffff"}, {"stroke-width", 1.2}, {"stroke-dasharray", "3,2"}});
            svg.close();
            svg.group({{"class", "inset"}});
            svg.rect(b.x, b.y, b.width, b.height, {{"fill", "#ffffff"}, {"stroke", "#444444"}, {"fill-opacity", 0.95}});
            contour_options co = in.map;
            co.title.clear();
            co.x_label.clear();
            co.y_label.clear();
            co.colour_bar = false;
            const frame f = draw_contour_map(svg, {b.x, b.y, b.width, b.height}, in.g, co);
            if (optimum) { optimum_mark(svg, f, *optimum, ""); }
            for (std::size_t i = 0; i < runs.size(); ++i) { run_path(svg, f, *runs[i], t, colours[i]); }
            svg.close();
        }

        /// Text that follows the frames of t: texts[k] belongs to history entry k. The distinct
        /// texts (consecutive repeats merged) stand in a column behind a one-line window, and
        /// one discrete translation per frame brings the current one into it, so the size grows
        /// with the texts, not with texts x frames. The static picture shows the last text.
        inline void frame_caption(svg_writer& svg, double x, double y, const std::vector<std::string>& texts,
                                  const timeline& t, const attrs& style, double line_height = 20.0)
        {
            validate_timeline(t);
            if (texts.empty()) { throw std::invalid_argument("frame_caption: texts must not be empty, got 0 texts"); }
            const auto idx = frame_indices(texts.size(), t.frames);
            std::vector<std::size_t> row(t.frames);
            std::vector<const std::string*> rows;
            for (std::size_t k = 0; k < t.frames; ++k)
            {
                if (rows.empty() || *rows.back() != texts[idx[k]]) { rows.push_back(&texts[idx[k]]); }
                row[k] = rows.size() - 1;
            }
            const std::string window = svg.clip_rect(0, y - 0.8 * line_height, svg.width(), line_height);
            const auto shift = [&](std::size_t r) {
                return "0 " + xoptim::viz::format_number(-static_cast<double>(r) * line_height, 2);
            };
            svg.group({{"clip-path", window}});
            svg.open("g", {{"transform", "translate(" + shift(rows.size() - 1) + ")"}});
            if (rows.size() > 1)
            {
                std::string values;
                for (std::size_t k = 0; k < t.frames; ++k)
                {
                    values += k == 0 ? "" : ";";
                    values += shift(row[k]);
                }
                for (std::size_t h = t.discrete ? hold_frames(t) : 0; h > 0; --h) { values += ";" + shift(row.back()); }
                attrs a{{"attributeName", "transform"}, {"type", "translate"}, {"values", values}};
                if (!t.discrete)
                {
                    // Switch half-way between frames, as the smoothly moving elements pass them.
                    std::string times = "0";
                    for (std::size_t k = 1; k < t.frames; ++k)
                    {
                        times += ';';
                        times += xoptim::viz::format_number(
                            (static_cast<double>(k) - 0.5) / static_cast<double>(t.frames - 1), 6);
                    }
                    a.emplace_back("keyTimes", times);
                }
                a.emplace_back("dur", xoptim::viz::format_number(loop_s(t), 3) + "s");
                a.emplace_back("begin", "0s");
                a.emplace_back("calcMode", "discrete");
                a.emplace_back("repeatCount", "indefinite");
                svg.element("animateTransform", a);
            }
            svg.group(style);
            for (std::size_t r = 0; r < rows.size(); ++r)
            {
                svg.text(x, y + static_cast<double>(r) * line_height, *rows[r]);
            }
            svg.close();
            svg.close();
            svg.close();
        }

        inline series run_series(const run_history& r, std::size_t i, const std::vector<double>& values)
        {
            series s = iteration_series(run_label(r), values);
            s.colour = run_colour(r, i);
            s.dash = r.dash;
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
        bool controls = true;             ///< a discrete timeline gets play/pause and a scrub bar at the bottom
        std::optional<inset_view> inset;  ///< drawn when a run ends inside it
    };

    namespace detail
    {
        constexpr double controls_height = 34.0;

        inline bool has_controls(const timeline& t, bool wanted) { return wanted && t.discrete; }

        inline void bottom_controls(svg_writer& svg, double width, double height, const timeline& t)
        {
            animation_controls(svg, {12.0, height - controls_height + 4.0, std::min(width - 24.0, 520.0), 26.0}, t);
        }
    }

    /// Every run's path over one contour map, growing together, with a legend at the right.
    inline std::string paths_figure(const std::vector<run_history>& runs, const grid& g, const paths_options& opt = {})
    {
        for (const auto& r : runs) { detail::validate_run(r, "paths_figure"); }
        std::vector<legend_entry> entries;
        for (std::size_t i = 0; i < runs.size(); ++i)
        {
            entries.push_back({detail::run_label(runs[i]), detail::run_colour(runs[i], i), runs[i].dash, true, false});
        }
        const auto [lw, lh] = legend_size(entries);
        svg_writer svg(opt.width, opt.height);
        svg.rect(0, 0, opt.width, opt.height, {{"fill", "#ffffff"}});
        contour_options co = opt.map;
        co.title = opt.title;
        co.x_label = opt.x_label;
        co.y_label = opt.y_label;
        const double legend_room = entries.empty() ? 0.0 : lw + 16.0;
        const bool controls = detail::has_controls(opt.time, opt.controls);
        const double map_height = opt.height - (controls ? detail::controls_height : 0.0);
        const frame map = draw_contour_map(svg, {0, 0, opt.width - legend_room, map_height}, g, co);
        for (std::size_t i = 0; i < runs.size(); ++i)
        {
            detail::run_path(svg, map, runs[i], opt.time, detail::run_colour(runs[i], i));
        }
        if (opt.optimum) { detail::optimum_mark(svg, map, *opt.optimum, opt.optimum_label); }
        if (opt.inset)
        {
            std::vector<const run_history*> near;
            std::vector<rgb> colours;
            for (std::size_t i = 0; i < runs.size(); ++i)
            {
                if (detail::ends_inside(runs[i], opt.inset->g))
                {
                    near.push_back(&runs[i]);
                    colours.push_back(detail::run_colour(runs[i], i));
                }
            }
            if (!near.empty()) { detail::draw_inset(svg, map, *opt.inset, near, colours, opt.time, opt.optimum); }
        }
        draw_legend(svg, opt.width - legend_room + 4.0, map.area.y, entries);
        (void)lh;
        if (controls) { detail::bottom_controls(svg, opt.width, opt.height, opt.time); }
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
        bool controls = true;             ///< a discrete timeline gets play/pause and a scrub bar at the bottom
        std::optional<inset_view> inset;  ///< drawn when the run ends inside it
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
        const bool controls = detail::has_controls(t, opt.controls);
        const double row_h = (opt.height - top - (controls ? detail::controls_height : 0.0)) / 2;
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
            if (opt.inset && detail::ends_inside(run, opt.inset->g))
            {
                detail::draw_inset(svg, map, *opt.inset, {&run}, {colour}, t, opt.optimum);
            }
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
        if (controls) { detail::bottom_controls(svg, opt.width, opt.height, t); }
        return svg.str();
    }
}
