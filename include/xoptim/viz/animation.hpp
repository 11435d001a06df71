// xoptim/viz/animation.hpp -- animation with SVG's own animation elements
// (<animate> with values and keyTimes, repeatCount="indefinite"): a marker
// moving along a path, a path that grows behind it, a line that changes (e.g.
// the fitted line), a vertical "current iteration" cursor, and a text that
// changes. Every element's static attributes hold the final frame, and a
// growing path is complete when not animated, so a renderer without
// animation still shows the whole story. Everything drawn with the same
// timeline stays in step.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "axes.hpp"
#include "svg.hpp"

namespace xoptim::viz
{
    /// The frames of an animation: how many, and how long one loop takes.
    struct timeline
    {
        std::size_t frames = 50;
        double duration_s = 8.0;
        /// false: positions move smoothly between frames (keyTimes k / (frames - 1));
        /// true: each frame is held for duration_s / frames (calcMode="discrete").
        bool discrete = false;
    };

    inline void validate_timeline(const timeline& t)
    {
        if (t.frames < 2)
        {
            throw std::invalid_argument("timeline: frames must be >= 2, got " + std::to_string(t.frames));
        }
        if (!(std::isfinite(t.duration_s) && t.duration_s > 0.0))
        {
            throw std::invalid_argument("timeline: duration_s must be finite and > 0, got "
                                        + std::to_string(t.duration_s));
        }
    }

    /// Which of `points` history entries each frame shows: evenly spread, first
    /// and last included (entries repeat when there are fewer points than frames).
    inline std::vector<std::size_t> frame_indices(std::size_t points, std::size_t frames)
    {
        if (points == 0) { throw std::invalid_argument("frame_indices: points must be > 0, got 0"); }
        if (frames < 2)
        {
            throw std::invalid_argument("frame_indices: frames must be >= 2, got " + std::to_string(frames));
        }
        std::vector<std::size_t> idx(frames);
        for (std::size_t k = 0; k < frames; ++k)
        {
            idx[k] = static_cast<std::size_t>(std::llround(static_cast<double>(k) * static_cast<double>(points - 1)
                                                           / static_cast<double>(frames - 1)));
        }
        return idx;
    }

    /// The keyTimes attribute of a timeline.
    inline std::string key_times(const timeline& t)
    {
        validate_timeline(t);
        std::string s;
        for (std::size_t k = 0; k < t.frames; ++k)
        {
            const double v = t.discrete ? static_cast<double>(k) / static_cast<double>(t.frames)
                                        : static_cast<double>(k) / static_cast<double>(t.frames - 1);
            s += k == 0 ? "" : ";";
            s += format_number(v, 6);
        }
        return s;
    }

    namespace detail
    {
        inline std::vector<double> per_frame(const std::vector<double>& v, const timeline& t, const char* name)
        {
            if (v.empty())
            {
                throw std::invalid_argument(std::string("animation: ") + name + " must not be empty, got 0 values");
            }
            const auto idx = frame_indices(v.size(), t.frames);
            std::vector<double> out(t.frames);
            for (std::size_t k = 0; k < t.frames; ++k) { out[k] = v[idx[k]]; }
            return out;
        }

        inline void check_same_size(const char* a, const std::vector<double>& va, const char* b,
                                    const std::vector<double>& vb)
        {
            if (va.size() != vb.size())
            {
                throw std::invalid_argument(std::string("animation: ") + a + " and " + b
                                            + " must have the same size, got " + std::to_string(va.size()) + " and "
                                            + std::to_string(vb.size()));
            }
        }

        // "a;b;c" of pixel values; NaN entries take the previous (or next) finite value.
        inline std::string values_string(std::vector<double> v)
        {
            double last = std::numeric_limits<double>::quiet_NaN();
            for (double& e : v)
            {
                if (std::isfinite(e)) { last = e; }
                else { e = last; }
            }
            double next = 0.0;
            for (auto it = v.rbegin(); it != v.rend(); ++it)
            {
                if (std::isfinite(*it)) { next = *it; }
                else { *it = next; }
            }
            std::string s;
            for (std::size_t k = 0; k < v.size(); ++k)
            {
                s += k == 0 ? "" : ";";
                s += format_number(v[k]);
            }
            return s;
        }

        inline attrs animate_attrs(const std::string& attribute, const std::string& values, const timeline& t)
        {
            return {{"attributeName", attribute},
                    {"values", values},
                    {"keyTimes", key_times(t)},
                    {"dur", format_number(t.duration_s, 3) + "s"},
                    {"begin", "0s"},
                    {"calcMode", t.discrete ? "discrete" : "linear"},
                    {"repeatCount", "indefinite"}};
        }

        inline void animate(svg_writer& svg, const std::string& attribute, const std::vector<double>& px,
                            const timeline& t)
        {
            svg.element("animate", animate_attrs(attribute, values_string(px), t));
        }

        // Hides the element in frames where `visible` is false (discrete, in step).
        inline void animate_visibility(svg_writer& svg, const std::vector<bool>& visible, const timeline& t)
        {
            if (std::all_of(visible.begin(), visible.end(), [](bool b) { return b; })) { return; }
            std::string values;
            for (std::size_t k = 0; k < visible.size(); ++k)
            {
                values += k == 0 ? "" : ";";
                values += visible[k] ? "visible" : "hidden";
            }
            attrs a = animate_attrs("visibility", values, t);
            for (auto& e : a)
            {
                if (e.name == "calcMode") { e.value = "discrete"; }
                if (e.name == "keyTimes" && !t.discrete)
                {
                    // Switch half-way between frames so that the change lines up
                    // with the smoothly moving elements.
                    std::string s = "0";
                    for (std::size_t k = 1; k < t.frames; ++k)
                    {
                        s += ';';
                        s += format_number((static_cast<double>(k) - 0.5) / static_cast<double>(t.frames - 1), 6);
                    }
                    e.value = s;
                }
            }
            svg.element("animate", a);
        }
    }

    /// A circle moving through the points (x[k], y[k]) (data coordinates of
    /// frame f), one history entry per frame after resampling to t.frames. Its
    /// static position is the last drawable point. Frames whose point cannot be
    /// drawn hide the marker.
    inline void animated_marker(svg_writer& svg, const frame& f, const std::vector<double>& x,
                                const std::vector<double>& y, const timeline& t, attrs style = {}, double radius = 5.0)
    {
        validate_timeline(t);
        detail::check_same_size("x", x, "y", y);
        const auto fx = detail::per_frame(x, t, "x");
        const auto fy = detail::per_frame(y, t, "y");
        std::vector<double> px(t.frames), py(t.frames);
        std::vector<bool> visible(t.frames);
        point last{f.area.x, f.area.y};
        bool any = false;
        for (std::size_t k = 0; k < t.frames; ++k)
        {
            visible[k] = f.accepts(fx[k], fy[k]);
            const point p = visible[k] ? f.to_px(fx[k], fy[k]) : point{std::nan(""), std::nan("")};
            px[k] = p.x;
            py[k] = p.y;
            if (visible[k])
            {
                last = p;
                any = true;
            }
        }
        if (style.empty()) { style = {{"fill", "#d55e00"}, {"stroke", "#ffffff"}, {"stroke-width", 1.5}}; }
        prepend(style, {{"cx", last.x}, {"cy", last.y}, {"r", radius}});
        if (!any) { style.emplace_back("visibility", "hidden"); }
        svg.group({{"clip-path", f.clip}});
        svg.open("circle", style);
        detail::animate(svg, "cx", px, t);
        detail::animate(svg, "cy", py, t);
        detail::animate_visibility(svg, visible, t);
        svg.close();
        svg.close();
    }

    /// The path through (x[k], y[k]), drawn in full, growing from the first point
    /// to the current frame's point when animated (in step with animated_marker
    /// on the same data). Points that cannot be drawn break the line.
    inline void animated_path(svg_writer& svg, const frame& f, const std::vector<double>& x,
                              const std::vector<double>& y, const timeline& t, attrs style = {})
    {
        validate_timeline(t);
        detail::check_same_size("x", x, "y", y);
        if (x.empty()) { throw std::invalid_argument("animated_path: x must not be empty, got 0 values"); }
        // Length along the drawn path up to each history entry.
        std::vector<double> upto(x.size(), 0.0);
        std::vector<std::vector<point>> runs(1);
        double total = 0.0;
        bool prev_ok = false;
        point prev{};
        for (std::size_t k = 0; k < x.size(); ++k)
        {
            const bool ok = f.accepts(x[k], y[k]);
            if (ok)
            {
                const point p = f.to_px(x[k], y[k]);
                if (prev_ok) { total += std::hypot(p.x - prev.x, p.y - prev.y); }
                else if (!runs.back().empty()) { runs.emplace_back(); }
                runs.back().push_back(p);
                prev = p;
            }
            prev_ok = ok;
            upto[k] = total;
        }
        if (style.empty()) { style = {{"stroke", "#d55e00"}, {"stroke-width", 2}}; }
        prepend(style, {{"fill", "none"}, {"stroke-linejoin", "round"}, {"stroke-linecap", "round"}});
        const std::string d = path_data(runs);
        if (d.empty()) { return; }
        const double dash = total + 1.0;
        style.emplace_back("stroke-dasharray", format_number(dash) + " " + format_number(dash));
        style.emplace_back("stroke-dashoffset", 0);
        style.insert(style.begin(), attr{"d", d});
        const auto idx = frame_indices(x.size(), t.frames);
        std::vector<double> offsets(t.frames);
        for (std::size_t k = 0; k < t.frames; ++k) { offsets[k] = dash - upto[idx[k]]; }
        svg.group({{"clip-path", f.clip}});
        svg.open("path", style);
        detail::animate(svg, "stroke-dashoffset", offsets, t);
        svg.close();
        svg.close();
    }

    /// A line segment from (x1[k], y1[k]) to (x2[k], y2[k]) that changes over the
    /// frames, clipped to the frame; its static position is the last entry.
    inline void animated_segment(svg_writer& svg, const frame& f, const std::vector<double>& x1,
                                 const std::vector<double>& y1, const std::vector<double>& x2,
                                 const std::vector<double>& y2, const timeline& t, attrs style = {})
    {
        validate_timeline(t);
        detail::check_same_size("x1", x1, "y1", y1);
        detail::check_same_size("x1", x1, "x2", x2);
        detail::check_same_size("x1", x1, "y2", y2);
        const auto a = detail::per_frame(x1, t, "x1");
        const auto b = detail::per_frame(y1, t, "y1");
        const auto c = detail::per_frame(x2, t, "x2");
        const auto d = detail::per_frame(y2, t, "y2");
        std::vector<double> px1(t.frames), py1(t.frames), px2(t.frames), py2(t.frames);
        std::vector<bool> visible(t.frames);
        std::size_t last = t.frames;
        for (std::size_t k = 0; k < t.frames; ++k)
        {
            visible[k] = f.accepts(a[k], b[k]) && f.accepts(c[k], d[k]);
            const point p = f.to_px(a[k], b[k]);
            const point q = f.to_px(c[k], d[k]);
            px1[k] = visible[k] ? p.x : std::nan("");
            py1[k] = visible[k] ? p.y : std::nan("");
            px2[k] = visible[k] ? q.x : std::nan("");
            py2[k] = visible[k] ? q.y : std::nan("");
            last = visible[k] ? k : last;
        }
        if (style.empty()) { style = {{"stroke", "#d55e00"}, {"stroke-width", 2}}; }
        if (last == t.frames)
        {
            prepend(style, {{"x1", 0}, {"y1", 0}, {"x2", 0}, {"y2", 0}, {"visibility", "hidden"}});
        }
        else { prepend(style, {{"x1", px1[last]}, {"y1", py1[last]}, {"x2", px2[last]}, {"y2", py2[last]}}); }
        svg.group({{"clip-path", f.clip}});
        svg.open("line", style);
        detail::animate(svg, "x1", px1, t);
        detail::animate(svg, "y1", py1, t);
        detail::animate(svg, "x2", px2, t);
        detail::animate(svg, "y2", py2, t);
        detail::animate_visibility(svg, visible, t);
        svg.close();
        svg.close();
    }

    /// The line y = intercept[k] + slope[k] * x across the frame's x range,
    /// changing over the frames (e.g. the model fitted so far).
    inline void animated_fit_line(svg_writer& svg, const frame& f, const std::vector<double>& intercept,
                                  const std::vector<double>& slope, const timeline& t, attrs style = {})
    {
        detail::check_same_size("intercept", intercept, "slope", slope);
        if (f.x.kind() != scale_kind::linear || f.y.kind() != scale_kind::linear)
        {
            throw std::invalid_argument("animated_fit_line: the frame must have linear scales");
        }
        const double xa = f.x.domain_min(), xb = f.x.domain_max();
        std::vector<double> x1(intercept.size(), xa), x2(intercept.size(), xb), y1(intercept.size()),
            y2(intercept.size());
        for (std::size_t k = 0; k < intercept.size(); ++k)
        {
            y1[k] = intercept[k] + slope[k] * xa;
            y2[k] = intercept[k] + slope[k] * xb;
        }
        animated_segment(svg, f, x1, y1, x2, y2, t, std::move(style));
    }

    /// A vertical line across the frame at x = at[k] (e.g. the current iteration).
    inline void animated_cursor(svg_writer& svg, const frame& f, const std::vector<double>& at, const timeline& t,
                                attrs style = {})
    {
        const double lo = f.y.domain_min(), hi = f.y.domain_max();
        std::vector<double> y1(at.size(), lo), y2(at.size(), hi);
        if (style.empty()) { style = {{"stroke", "#333333"}, {"stroke-width", 1.2}, {"stroke-dasharray", "4,3"}}; }
        animated_segment(svg, f, at, y1, at, y2, t, std::move(style));
    }

    /// Text at (x, y) (pixels) showing texts[k] in frame k (after resampling);
    /// the static picture shows the last text.
    inline void animated_text(svg_writer& svg, double x, double y, const std::vector<std::string>& texts,
                              const timeline& t, attrs style = {})
    {
        validate_timeline(t);
        if (texts.empty()) { throw std::invalid_argument("animated_text: texts must not be empty, got 0 texts"); }
        const auto idx = frame_indices(texts.size(), t.frames);
        svg.group(style);
        // One text element per distinct run of frames showing the same entry.
        std::size_t k = 0;
        while (k < t.frames)
        {
            std::size_t e = k;
            while (e + 1 < t.frames && texts[idx[e + 1]] == texts[idx[k]]) { ++e; }
            std::vector<bool> visible(t.frames, false);
            for (std::size_t m = k; m <= e; ++m) { visible[m] = true; }
            const bool is_last = e + 1 == t.frames;
            svg.open("text", {{"x", x}, {"y", y}, {"visibility", is_last ? "visible" : "hidden"}});
            svg.raw(xml_escape(texts[idx[k]]) + "\n");
            detail::animate_visibility(svg, visible, t);
            svg.close();
            k = e + 1;
        }
        svg.close();
    }
}
