// xoptim/viz/chart.hpp -- line charts and scatter plots: several series, a
// legend beside the plot, linear or log axes. Points that cannot be drawn
// (non-finite, or <= 0 on a log axis) are left out, the line is broken there,
// and the legend says how many were left out.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "axes.hpp"
#include "colour.hpp"
#include "compact_path.hpp"
#include "svg.hpp"

namespace xoptim::viz
{
    enum class series_style
    {
        line,
        markers,
        line_and_markers
    };

    /// One data series: y against x.
    struct series
    {
        std::string name;
        std::vector<double> x;
        std::vector<double> y;
        series_style style = series_style::line;
        std::optional<rgb> colour;        ///< default: the colour cycle
        std::optional<std::string> dash;  ///< default: solid for the first eight series
        double stroke_width = 1.8;
        double marker_radius = 2.6;
    };

    /// A series of y against its index 0, 1, 2, ... (e.g. the loss per iteration).
    inline series iteration_series(std::string name, const std::vector<double>& y)
    {
        series s;
        s.name = std::move(name);
        s.y = y;
        s.x.resize(y.size());
        for (std::size_t i = 0; i < y.size(); ++i) { s.x[i] = static_cast<double>(i); }
        return s;
    }

    struct chart_options
    {
        std::string title;
        std::string x_label;
        std::string y_label;
        double width = 680;
        double height = 420;
        bool log_x = false;
        bool log_y = false;
        bool legend = true;
        std::optional<range> x_range;  ///< default: the extent of the data
        std::optional<range> y_range;
    };

    namespace detail
    {
        inline void validate_series(const std::vector<series>& all)
        {
            for (std::size_t i = 0; i < all.size(); ++i)
            {
                const auto& s = all[i];
                if (s.x.size() != s.y.size())
                {
                    throw std::invalid_argument("series[" + std::to_string(i) + "] '" + s.name
                                                + "': x and y must have the same size, got x.size() = "
                                                + std::to_string(s.x.size())
                                                + " and y.size() = " + std::to_string(s.y.size()));
                }
                if (s.x.empty())
                {
                    throw std::invalid_argument("series[" + std::to_string(i) + "] '" + s.name
                                                + "': must not be empty, got 0 points");
                }
                if (!(s.stroke_width >= 0.0) || !(s.marker_radius >= 0.0))
                {
                    throw std::invalid_argument("series[" + std::to_string(i) + "] '" + s.name
                                                + "': stroke_width and marker_radius must be >= 0, got "
                                                + std::to_string(s.stroke_width) + " and "
                                                + std::to_string(s.marker_radius));
                }
            }
        }

        inline std::size_t count_skipped(const series& s, bool log_x, bool log_y)
        {
            std::size_t n = 0;
            for (std::size_t k = 0; k < s.x.size(); ++k)
            {
                const bool ok = std::isfinite(s.x[k]) && std::isfinite(s.y[k]) && (!log_x || s.x[k] > 0.0)
                                && (!log_y || s.y[k] > 0.0);
                n += ok ? 0 : 1;
            }
            return n;
        }

        inline range merged_range(const std::vector<series>& all, bool y_axis, bool log)
        {
            std::optional<range> r;
            for (const auto& s : all)
            {
                // Only points drawable in both coordinates count.
                std::vector<double> v;
                for (std::size_t k = 0; k < s.x.size(); ++k)
                {
                    const double a = y_axis ? s.y[k] : s.x[k];
                    const double b = y_axis ? s.x[k] : s.y[k];
                    if (std::isfinite(b)) { v.push_back(a); }
                }
                if (auto sr = finite_range(v, log))
                {
                    r = r ? range{std::min(r->lo, sr->lo), std::max(r->hi, sr->hi)} : *sr;
                }
            }
            if (!r) { return log ? range{1.0, 10.0} : range{0.0, 1.0}; }
            return *r;
        }
    }

    /// The colour of series `i` (its own or the cycle's).
    inline rgb series_colour(const series& s, std::size_t i) { return s.colour ? *s.colour : cycle_colour(i); }

    inline std::string series_dash(const series& s, std::size_t i) { return s.dash ? *s.dash : cycle_dash(i); }

    /// Splits the drawable points of (x, y) into runs of consecutive drawable
    /// points, in pixels.
    inline std::vector<std::vector<point>> drawable_runs(const frame& f, const std::vector<double>& x,
                                                         const std::vector<double>& y)
    {
        std::vector<std::vector<point>> runs(1);
        for (std::size_t k = 0; k < x.size() && k < y.size(); ++k)
        {
            if (f.accepts(x[k], y[k])) { runs.back().push_back(f.to_px(x[k], y[k])); }
            else if (!runs.back().empty()) { runs.emplace_back(); }
        }
        if (runs.back().empty()) { runs.pop_back(); }
        return runs;
    }

    /// Draws one series into a frame (clipped to it).
    inline void draw_series(svg_writer& svg, const frame& f, const series& s, std::size_t index)
    {
        const std::string colour = series_colour(s, index).hex();
        const auto runs = drawable_runs(f, s.x, s.y);
        svg.group({{"clip-path", f.clip}, {"class", "series"}});
        if (s.style != series_style::markers)
        {
            std::vector<std::vector<point>> lines;
            for (const auto& r : runs)
            {
                if (r.size() >= 2) { lines.push_back(r); }
            }
            if (!lines.empty())
            {
                attrs a{{"fill", "none"},
                        {"stroke", colour},
                        {"stroke-width", s.stroke_width},
                        {"stroke-linejoin", "round"},
                        {"stroke-linecap", "round"}};
                const std::string dash = series_dash(s, index);
                if (!dash.empty()) { a.emplace_back("stroke-dasharray", dash); }
                svg.path(compact_path_data(lines), a);
            }
        }
        // Markers also for isolated points of a line, which would otherwise vanish.
        if (s.style != series_style::line
            || std::any_of(runs.begin(), runs.end(), [](const auto& r) { return r.size() == 1; }))
        {
            svg.group({{"fill", colour}, {"fill-opacity", s.style == series_style::line ? 1.0 : 0.75}});
            for (const auto& r : runs)
            {
                if (s.style != series_style::line || r.size() == 1)
                {
                    for (const auto& p : r)
                    {
                        svg.circle(p.x, p.y, s.style == series_style::line ? s.stroke_width * 1.2 : s.marker_radius);
                    }
                }
            }
            svg.close();
        }
        svg.close();
    }

    /// The legend entries of these series, with "(k skipped)" where points were left out.
    inline std::vector<legend_entry> series_legend(const std::vector<series>& all, bool log_x, bool log_y)
    {
        std::vector<legend_entry> entries;
        for (std::size_t i = 0; i < all.size(); ++i)
        {
            const auto& s = all[i];
            std::string label = s.name.empty() ? "series " + std::to_string(i + 1) : s.name;
            const std::size_t skipped = detail::count_skipped(s, log_x, log_y);
            if (skipped == s.x.size()) { label += " (all " + std::to_string(skipped) + " points skipped)"; }
            else if (skipped > 0) { label += " (" + std::to_string(skipped) + " skipped)"; }
            entries.push_back({label, series_colour(s, i), series_dash(s, i), s.style != series_style::markers,
                               s.style != series_style::line});
        }
        return entries;
    }

    /// Draws a whole chart (axes, series, legend at the right) into `area` of an
    /// existing picture and returns its frame, so that more can be drawn on it
    /// (e.g. an animated cursor).
    inline frame draw_chart(svg_writer& svg, box area, const std::vector<series>& all, const chart_options& opt)
    {
        detail::validate_series(all);
        std::size_t skipped = 0;
        for (const auto& s : all) { skipped += detail::count_skipped(s, opt.log_x, opt.log_y); }
        axis_options ax;
        ax.title = opt.title;
        ax.x_label = opt.x_label;
        ax.y_label = opt.y_label;
        ax.log_x = opt.log_x;
        ax.log_y = opt.log_y;
        if (skipped > 0)
        {
            ax.note = std::to_string(skipped) + (skipped == 1 ? " point" : " points")
                      + ((opt.log_x || opt.log_y) ? " not finite or <= 0 left out" : " not finite left out");
        }
        const auto entries = opt.legend ? series_legend(all, opt.log_x, opt.log_y) : std::vector<legend_entry>{};
        const auto [lw, lh] = legend_size(entries);
        const double left = opt.y_label.empty() ? 58.0 : 78.0;
        const double top = (opt.title.empty() ? 14.0 : 34.0) + (ax.note.empty() ? 0.0 : 14.0);
        const double bottom = opt.x_label.empty() ? 30.0 : 48.0;
        const double right = entries.empty() ? 16.0 : lw + 24.0;
        box plot{area.x + left, area.y + top, area.width - left - right, area.height - top - bottom};
        if (plot.width < 40.0 || plot.height < 40.0)
        {
            throw std::invalid_argument("draw_chart: area too small for the chart and its legend, got "
                                        + std::to_string(area.width) + " x " + std::to_string(area.height));
        }
        const range xr = opt.x_range ? *opt.x_range : detail::merged_range(all, false, opt.log_x);
        const range yr = opt.y_range ? *opt.y_range : detail::merged_range(all, true, opt.log_y);
        frame f = make_frame(svg, plot, xr, yr, ax);
        draw_axes(svg, f, ax);
        for (std::size_t i = 0; i < all.size(); ++i) { draw_series(svg, f, all[i], i); }
        if (!entries.empty()) { draw_legend(svg, plot.right() + 12.0, plot.y, entries); }
        (void)lh;
        return f;
    }

    /// A line chart as a complete SVG document.
    inline std::string line_chart(const std::vector<series>& all, const chart_options& opt = {})
    {
        svg_writer svg(opt.width, opt.height);
        svg.rect(0, 0, opt.width, opt.height, {{"fill", "#ffffff"}});
        draw_chart(svg, {0, 0, opt.width, opt.height}, all, opt);
        return svg.str();
    }

    /// A scatter plot of (x, y) with optional line overlays (e.g. a fitted line),
    /// as a complete SVG document.
    inline std::string scatter_plot(const std::vector<double>& x, const std::vector<double>& y,
                                    const std::vector<series>& overlays = {}, const chart_options& opt = {},
                                    const std::string& points_name = "data")
    {
        std::vector<series> all;
        series pts;
        pts.name = points_name;
        pts.x = x;
        pts.y = y;
        pts.style = series_style::markers;
        all.push_back(std::move(pts));
        all.insert(all.end(), overlays.begin(), overlays.end());
        return line_chart(all, opt);
    }
}
