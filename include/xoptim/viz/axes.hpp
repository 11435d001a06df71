// xoptim/viz/axes.hpp -- a plotting frame (an area of the picture with an x and
// a y scale), its axes, grid, tick labels, titles, and legends.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "colour.hpp"
#include "scale.hpp"
#include "svg.hpp"

namespace xoptim::viz
{
    /// A rectangle of the picture, in pixels (y downwards).
    struct box
    {
        double x = 0.0;
        double y = 0.0;
        double width = 0.0;
        double height = 0.0;

        double right() const noexcept { return x + width; }
        double bottom() const noexcept { return y + height; }
    };

    /// Splits `area` into rows x cols equal panels, `gap` pixels apart, in
    /// reading order (left to right, then top to bottom): the places of the
    /// panels of a multi-panel figure.
    inline std::vector<box> panel_layout(box area, std::size_t rows, std::size_t cols, double gap = 0.0)
    {
        if (rows == 0 || cols == 0)
        {
            throw std::invalid_argument("panel_layout: rows and cols must be > 0, got " + std::to_string(rows) + " and "
                                        + std::to_string(cols));
        }
        const double w = (area.width - gap * static_cast<double>(cols - 1)) / static_cast<double>(cols);
        const double h = (area.height - gap * static_cast<double>(rows - 1)) / static_cast<double>(rows);
        if (!(w > 0.0 && h > 0.0 && gap >= 0.0))
        {
            throw std::invalid_argument("panel_layout: area " + std::to_string(area.width) + " x "
                                        + std::to_string(area.height) + " leaves no room for the panels with gap "
                                        + std::to_string(gap));
        }
        std::vector<box> out;
        for (std::size_t r = 0; r < rows; ++r)
        {
            for (std::size_t c = 0; c < cols; ++c)
            {
                out.push_back(
                    {area.x + static_cast<double>(c) * (w + gap), area.y + static_cast<double>(r) * (h + gap), w, h});
            }
        }
        return out;
    }

    /// An interval of data values.
    struct range
    {
        double lo = 0.0;
        double hi = 1.0;
    };

    /// What an axis pair looks like.
    struct axis_options
    {
        std::string title;
        std::string x_label;
        std::string y_label;
        bool log_x = false;
        bool log_y = false;
        std::size_t x_ticks = 6;  ///< about this many ticks on a linear x axis
        std::size_t y_ticks = 5;
        bool nice = true;  ///< widen the ranges to tick multiples
        bool grid = true;
        std::string note;  ///< small text under the title (e.g. "3 points <= 0 skipped")
    };

    /// An area of the picture with its two scales and the ticks drawn on it.
    struct frame
    {
        box area;
        scale x;
        scale y;
        std::vector<double> x_ticks;
        std::vector<double> y_ticks;
        std::string clip;  ///< value for a clip-path attribute that clips to the area

        /// The pixel position of data point (u, v), clamped to a generous band
        /// around the area so that huge values still give short numbers; NaN
        /// coordinates when the point cannot be placed (see accepts()).
        point to_px(double u, double v) const noexcept
        {
            const double lim = 1e5;
            auto clampv = [lim](double p, double a) { return std::isnan(p) ? p : std::clamp(p, a - lim, a + lim); };
            return {clampv(x(u), area.x), clampv(y(v), area.y)};
        }

        bool accepts(double u, double v) const noexcept { return x.accepts(u) && y.accepts(v); }
    };

    namespace detail
    {
        inline double text_width(const std::string& s, double font_size)
        {
            // Average advance of a sans-serif face, about 0.58 em per character.
            std::size_t n = 0;
            for (char ch : s)
            {
                if ((static_cast<unsigned char>(ch) & 0xc0u) != 0x80u)
                {
                    ++n;  // count UTF-8 code points, not bytes
                }
            }
            return 0.58 * font_size * static_cast<double>(n);
        }

        inline std::vector<double> axis_ticks(const scale& s, bool log, std::size_t target)
        {
            if (log) { return log_ticks(s.domain_min(), s.domain_max()); }
            return nice_ticks(s.domain_min(), s.domain_max(), target);
        }

        inline range prepare_range(const char* name, range r, bool log, bool nice, std::size_t target)
        {
            if (!std::isfinite(r.lo) || !std::isfinite(r.hi) || r.hi < r.lo)
            {
                throw std::invalid_argument(std::string("make_frame: ") + name + " must be finite with lo <= hi, got ["
                                            + std::to_string(r.lo) + ", " + std::to_string(r.hi) + "]");
            }
            if (log)
            {
                if (!(r.lo > 0.0))
                {
                    throw std::invalid_argument(std::string("make_frame: ") + name
                                                + ".lo must be > 0 on a log axis, got " + std::to_string(r.lo));
                }
                if (nice || r.lo == r.hi)
                {
                    auto [a, b] = nice_log_range(r.lo, r.hi);
                    return {a, b};
                }
                return r;
            }
            if (nice)
            {
                auto [a, b] = nice_range(r.lo, r.hi, target);
                return {a, b};
            }
            auto [a, b] = widen(r.lo, r.hi);
            return {a, b};
        }
    }

    /// The extent of the finite values of `values` that `log` allows (> 0 when
    /// log); nullopt when there are none.
    inline std::optional<range> finite_range(const std::vector<double>& values, bool log = false)
    {
        double lo = std::numeric_limits<double>::infinity();
        double hi = -lo;
        for (double v : values)
        {
            if (std::isfinite(v) && (!log || v > 0.0))
            {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
        }
        if (lo > hi) { return std::nullopt; }
        return range{lo, hi};
    }

    /// Sets up a frame over `area` for data ranges `xr` and `yr` (widened to nice
    /// numbers unless opt.nice is false) and defines its clip path in `svg`.
    inline frame make_frame(svg_writer& svg, box area, range xr, range yr, const axis_options& opt = {})
    {
        if (!(area.width > 0.0 && area.height > 0.0 && std::isfinite(area.x) && std::isfinite(area.y)))
        {
            throw std::invalid_argument("make_frame: area must have a finite position and a positive size, got "
                                        + std::to_string(area.width) + " x " + std::to_string(area.height));
        }
        xr = detail::prepare_range("x range", xr, opt.log_x, opt.nice, opt.x_ticks);
        yr = detail::prepare_range("y range", yr, opt.log_y, opt.nice, opt.y_ticks);
        frame f;
        f.area = area;
        f.x = scale(opt.log_x ? scale_kind::log10 : scale_kind::linear, xr.lo, xr.hi, area.x, area.right());
        f.y = scale(opt.log_y ? scale_kind::log10 : scale_kind::linear, yr.lo, yr.hi, area.bottom(), area.y);
        f.x_ticks = detail::axis_ticks(f.x, opt.log_x, opt.x_ticks);
        f.y_ticks = detail::axis_ticks(f.y, opt.log_y, opt.y_ticks);
        svg.open("defs");
        f.clip = svg.clip_rect(area.x, area.y, area.width, area.height);
        svg.close();
        return f;
    }

    /// Draws the grid, the frame, ticks with labels, the axis titles and the
    /// chart title (above the area) of `f`.
    inline void draw_axes(svg_writer& svg, const frame& f, const axis_options& opt = {})
    {
        const box& a = f.area;
        const std::string tick_colour = "#444444";
        const double x_step = f.x_ticks.size() > 1 ? std::abs(f.x_ticks[1] - f.x_ticks[0]) : 1.0;
        const double y_step = f.y_ticks.size() > 1 ? std::abs(f.y_ticks[1] - f.y_ticks[0]) : 1.0;
        svg.group({{"class", "axes"}});
        svg.rect(a.x, a.y, a.width, a.height, {{"fill", "#ffffff"}, {"stroke", "none"}});
        if (opt.grid)
        {
            svg.group({{"stroke", "#e3e3e3"}, {"stroke-width", 1}});
            for (double t : f.x_ticks)
            {
                const double px = f.x(t);
                svg.line(px, a.y, px, a.bottom());
            }
            for (double t : f.y_ticks)
            {
                const double py = f.y(t);
                svg.line(a.x, py, a.right(), py);
            }
            svg.close();
        }
        svg.group({{"stroke", tick_colour}, {"stroke-width", 1}});
        for (double t : f.x_ticks)
        {
            const double px = f.x(t);
            svg.line(px, a.bottom(), px, a.bottom() + 5);
        }
        for (double t : f.y_ticks)
        {
            const double py = f.y(t);
            svg.line(a.x - 5, py, a.x, py);
        }
        svg.close();
        svg.group({{"font-size", 11}, {"fill", "#222222"}});
        for (double t : f.x_ticks)
        {
            const std::string label = opt.log_x ? log_tick_label(t) : tick_label(t, x_step);
            svg.text(f.x(t), a.bottom() + 18, label, {{"text-anchor", "middle"}});
        }
        for (double t : f.y_ticks)
        {
            const std::string label = opt.log_y ? log_tick_label(t) : tick_label(t, y_step);
            svg.text(a.x - 8, f.y(t) + 4, label, {{"text-anchor", "end"}});
        }
        svg.close();
        svg.rect(a.x, a.y, a.width, a.height, {{"fill", "none"}, {"stroke", tick_colour}, {"stroke-width", 1}});
        if (!opt.x_label.empty())
        {
            svg.text(a.x + a.width / 2, a.bottom() + 38, opt.x_label, {{"text-anchor", "middle"}, {"font-size", 13}});
        }
        if (!opt.y_label.empty())
        {
            // The widest y tick label decides how far left the title sits.
            double w = 0.0;
            for (double t : f.y_ticks)
            {
                w = std::max(w, detail::text_width(opt.log_y ? log_tick_label(t) : tick_label(t, y_step), 11));
            }
            const double tx = a.x - 14 - w - 6;
            const double ty = a.y + a.height / 2;
            svg.text(tx, ty, opt.y_label,
                     {{"text-anchor", "middle"},
                      {"font-size", 13},
                      {"transform", "rotate(-90 " + format_number(tx) + " " + format_number(ty) + ")"}});
        }
        if (!opt.title.empty())
        {
            svg.text(a.x + a.width / 2, a.y - (opt.note.empty() ? 10 : 24), opt.title,
                     {{"text-anchor", "middle"}, {"font-size", 15}, {"font-weight", "bold"}});
        }
        if (!opt.note.empty())
        {
            svg.text(a.x + a.width / 2, a.y - 8, opt.note,
                     {{"text-anchor", "middle"}, {"font-size", 11}, {"fill", "#555555"}});
        }
        svg.close();
    }

    /// One line of a legend.
    struct legend_entry
    {
        std::string label;
        rgb colour;
        std::string dash;     ///< stroke-dasharray, empty for solid
        bool line = true;     ///< draw a line sample
        bool marker = false;  ///< draw a dot sample
    };

    /// The size a legend of these entries takes.
    inline std::pair<double, double> legend_size(const std::vector<legend_entry>& entries, double font_size = 12)
    {
        double w = 0.0;
        for (const auto& e : entries) { w = std::max(w, detail::text_width(e.label, font_size)); }
        return {w + 44.0, static_cast<double>(entries.size()) * (font_size + 6.0) + 8.0};
    }

    /// Draws a legend with its top-left corner at (x, y) on a white panel.
    inline void draw_legend(svg_writer& svg, double x, double y, const std::vector<legend_entry>& entries,
                            double font_size = 12)
    {
        if (entries.empty()) { return; }
        const auto [w, h] = legend_size(entries, font_size);
        svg.group({{"class", "legend"}, {"font-size", font_size}});
        svg.rect(x, y, w, h, {{"fill", "#ffffff"}, {"fill-opacity", 0.9}, {"stroke", "#bbbbbb"}});
        double cy = y + 4.0 + (font_size + 6.0) / 2.0;
        for (const auto& e : entries)
        {
            if (e.line)
            {
                attrs a{{"stroke", e.colour.hex()}, {"stroke-width", 2.2}};
                if (!e.dash.empty()) { a.emplace_back("stroke-dasharray", e.dash); }
                svg.line(x + 8, cy, x + 32, cy, a);
            }
            if (e.marker) { svg.circle(x + 20, cy, 3.5, {{"fill", e.colour.hex()}}); }
            svg.text(x + 38, cy + font_size * 0.35, e.label, {{"fill", "#222222"}});
            cy += font_size + 6.0;
        }
        svg.close();
    }
}
