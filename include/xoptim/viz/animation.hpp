// xoptim/viz/animation.hpp -- animation with SVG's own animation elements
// (<animate> and <animateTransform> with one value per frame, repeatCount="indefinite"): a marker
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
#include "compact_path.hpp"
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
        /// Discrete timelines only: how long the last frame stays before the loop starts again
        /// (rounded to whole frames, at least one when > 0).
        double hold_s = 0.0;
    };

    /// The frames the last one is held for after its own (discrete timelines).
    inline std::size_t hold_frames(const timeline& t)
    {
        if (!t.discrete || !(t.hold_s > 0.0)) { return 0; }
        const double n = std::round(t.hold_s * static_cast<double>(t.frames) / t.duration_s);
        return std::max<std::size_t>(1, static_cast<std::size_t>(std::min(n, 1e6)));
    }

    /// The length of one loop: the frames, then the hold.
    inline double loop_s(const timeline& t)
    {
        return t.duration_s * static_cast<double>(t.frames + hold_frames(t)) / static_cast<double>(t.frames);
    }

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
        if (!(std::isfinite(t.hold_s) && t.hold_s >= 0.0))
        {
            throw std::invalid_argument("timeline: hold_s must be finite and >= 0, got " + std::to_string(t.hold_s));
        }
        if (t.hold_s > 0.0 && !t.discrete)
        {
            throw std::invalid_argument("timeline: hold_s needs discrete frames, got hold_s " + std::to_string(t.hold_s)
                                        + " with discrete = false");
        }
    }

    /// When frame k of a discrete timeline starts, as a fraction of the loop.
    inline double frame_begin(const timeline& t, std::size_t k)
    {
        return static_cast<double>(k) / static_cast<double>(t.frames + hold_frames(t));
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
            const double v =
                t.discrete ? frame_begin(t, k) : static_cast<double>(k) / static_cast<double>(t.frames - 1);
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

        /// `values` holds one entry per frame. Discrete frames are evenly spaced, so they need no
        /// keyTimes: the hold repeats the last entry.
        inline attrs animate_attrs(const std::string& attribute, std::string values, const timeline& t)
        {
            if (t.discrete)
            {
                const std::string last = values.substr(values.rfind(';') + 1);
                for (std::size_t k = hold_frames(t); k > 0; --k)
                {
                    values += ';';
                    values += last;
                }
                return {{"attributeName", attribute},
                        {"values", values},
                        {"dur", format_number(loop_s(t), 3) + "s"},
                        {"begin", "0s"},
                        {"calcMode", "discrete"},
                        {"repeatCount", "indefinite"}};
            }
            return {{"attributeName", attribute},
                    {"values", values},
                    {"keyTimes", key_times(t)},
                    {"dur", format_number(loop_s(t), 3) + "s"},
                    {"begin", "0s"},
                    {"calcMode", t.discrete ? "discrete" : "linear"},
                    {"repeatCount", "indefinite"}};
        }

        inline void animate(svg_writer& svg, const std::string& attribute, const std::vector<double>& px,
                            const timeline& t)
        {
            svg.element("animate", animate_attrs(attribute, values_string(px), t));
        }

        /// As animate, but nothing when every frame shows the same value: for attributes whose
        /// static value is the last frame's, which then says it all.
        inline void animate_changing(svg_writer& svg, const std::string& attribute, const std::vector<double>& px,
                                     const timeline& t)
        {
            std::string values = values_string(px);
            const std::string_view first = std::string_view(values).substr(0, values.find(';'));
            bool changes = false;
            for (std::size_t a = 0, b = 0; b != std::string::npos && !changes; a = b + 1)
            {
                b = values.find(';', a);
                changes =
                    std::string_view(values).substr(a, b == std::string::npos ? std::string::npos : b - a) != first;
            }
            if (changes) { svg.element("animate", animate_attrs(attribute, std::move(values), t)); }
        }

        /// Path `d` dashed so that it grows: one dash of length `dash` (its length + 1) at offset
        /// offsets[k] in frame k (when `grows`; whole when not, and in a static picture). Defined
        /// once per document, unstroked, so that a line, its halo and the mask that reveals its
        /// dots are <use>s of one definition that give it their stroke; returns its id.
        inline std::string growing_stroke(svg_writer& svg, const std::string& d, double dash,
                                          const std::vector<double>& offsets, const timeline& t, bool grows)
        {
            const std::string dashes = format_number(dash) + " " + format_number(dash);
            std::string key = "growing_stroke " + dashes + " " + d;
            if (grows)
            {
                key += " @" + format_number(loop_s(t), 3) + (t.discrete ? "d " : "l ") + values_string(offsets);
            }
            return svg.shared_definition(key, "stroke", [&](const std::string& id) {
                svg.open("defs");
                svg.open("path", {{"id", id},
                                  {"d", d},
                                  {"fill", "none"},
                                  {"stroke-linecap", "round"},
                                  {"stroke-linejoin", "round"},
                                  {"stroke-dasharray", dashes},
                                  {"stroke-dashoffset", 0}});
                if (grows) { animate(svg, "stroke-dashoffset", offsets, t); }
                svg.close();
                svg.close();
            });
        }

        /// A <use> of a definition, with the attributes that style it.
        inline void use(svg_writer& svg, const std::string& id, attrs style)
        {
            style.insert(style.begin(), attr{"href", "#" + id});
            svg.element("use", style);
        }

        /// A mask showing what lies within width / 2 of path `d` (drawn with dashes of length
        /// dash, i.e. its length + 1) as far as it has grown: dash - offsets[k] in frame k (all
        /// of it when `grows` is false); returns its id.
        inline std::string growth_mask(svg_writer& svg, const frame& f, const std::string& d, double dash,
                                       const std::vector<double>& offsets, const timeline& t, double width, bool grows)
        {
            const std::string stroke = growing_stroke(svg, d, dash, offsets, t, grows);
            const std::string id = svg.unique_id("reveal");
            svg.open("mask", {{"id", id},
                              {"maskUnits", "userSpaceOnUse"},
                              {"x", f.area.x - width},
                              {"y", f.area.y - width},
                              {"width", f.area.width + 2 * width},
                              {"height", f.area.height + 2 * width}});
            use(svg, stroke, {{"stroke", "#ffffff"}, {"stroke-width", width}});
            svg.close();
            return id;
        }

        /// The drawable points of (x, y) in pixels, in pieces broken where a point cannot be
        /// drawn, with the length along them up to each entry and in all.
        struct path_pieces
        {
            std::vector<std::vector<point>> runs;
            std::vector<double> upto;
            double total = 0.0;
        };

        inline path_pieces drawn_path(const frame& f, const std::vector<double>& x, const std::vector<double>& y)
        {
            path_pieces out{std::vector<std::vector<point>>(1), std::vector<double>(x.size(), 0.0), 0.0};
            bool prev_ok = false;
            point prev{};
            for (std::size_t k = 0; k < x.size(); ++k)
            {
                const bool ok = f.accepts(x[k], y[k]);
                if (ok)
                {
                    const point p = f.to_px(x[k], y[k]);
                    if (prev_ok) { out.total += std::hypot(p.x - prev.x, p.y - prev.y); }
                    else if (!out.runs.back().empty()) { out.runs.emplace_back(); }
                    out.runs.back().push_back(p);
                    prev = p;
                }
                prev_ok = ok;
                out.upto[k] = out.total;
            }
            return out;
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
        detail::animate_changing(svg, "cx", px, t);
        detail::animate_changing(svg, "cy", py, t);
        detail::animate_visibility(svg, visible, t);
        svg.close();
        svg.close();
    }

    /// The path through (x[k], y[k]), drawn in full, growing from the first point
    /// to the current frame's point when animated (in step with animated_marker
    /// on the same data). Points that cannot be drawn break the line. The line is a <use> of
    /// the path's growing stroke (detail::growing_stroke), which further calls on the same data
    /// (a halo, animated_points' mask) share; its caps and joins are round.
    inline void animated_path(svg_writer& svg, const frame& f, const std::vector<double>& x,
                              const std::vector<double>& y, const timeline& t, attrs style = {})
    {
        validate_timeline(t);
        detail::check_same_size("x", x, "y", y);
        if (x.empty()) { throw std::invalid_argument("animated_path: x must not be empty, got 0 values"); }
        const auto [runs, upto, total] = detail::drawn_path(f, x, y);
        if (style.empty()) { style = {{"stroke", "#d55e00"}, {"stroke-width", 2}}; }
        const std::string d = compact_path_data(runs);
        if (d.empty()) { return; }
        const double dash = total + 1.0;
        const auto idx = frame_indices(x.size(), t.frames);
        std::vector<double> offsets(t.frames);
        for (std::size_t k = 0; k < t.frames; ++k) { offsets[k] = dash - upto[idx[k]]; }
        const bool dashed =
            std::any_of(style.begin(), style.end(), [](const attr& a) { return a.name == "stroke-dasharray"; });
        svg.group({{"clip-path", f.clip}});
        if (dashed)
        {
            // The line's own dashes stay: it grows through a mask instead.
            const std::string mask = detail::growth_mask(svg, f, d, dash, offsets, t, 12.0, true);
            prepend(style, {{"d", d}, {"fill", "none"}, {"stroke-linejoin", "round"}, {"stroke-linecap", "round"}});
            svg.group({{"mask", "url(#" + mask + ")"}});
            svg.element("path", style);
            svg.close();
        }
        else { detail::use(svg, detail::growing_stroke(svg, d, dash, offsets, t, true), std::move(style)); }
        svg.close();
    }

    /// The points (x[k], y[k]) as dots, each appearing in the frame that reaches it (in step with
    /// animated_path and animated_marker on the same data); all of them when not animated. The
    /// dots are revealed by a mask that grows along the path, so a later point lying within
    /// `radius` of the path drawn so far shows a little early. Points that cannot be drawn are
    /// left out.
    inline void animated_points(svg_writer& svg, const frame& f, const std::vector<double>& x,
                                const std::vector<double>& y, const timeline& t, attrs style = {}, double radius = 2.5)
    {
        validate_timeline(t);
        detail::check_same_size("x", x, "y", y);
        if (x.empty()) { throw std::invalid_argument("animated_points: x must not be empty, got 0 values"); }
        if (!(radius > 0.0 && std::isfinite(radius)))
        {
            throw std::invalid_argument("animated_points: radius must be finite and > 0, got " + format_number(radius));
        }
        const auto [runs, upto, total] = detail::drawn_path(f, x, y);
        std::string dots;
        for (const auto& piece : runs)
        {
            for (const point& p : piece)
            {
                dots += 'M';
                dots += format_number(p.x);
                dots += ' ';
                dots += format_number(p.y);
                dots += "h0";
            }
        }
        if (dots.empty()) { return; }
        const double dash = total + 1.0;
        const auto idx = frame_indices(x.size(), t.frames);
        std::vector<double> offsets(t.frames);
        for (std::size_t k = 0; k < t.frames; ++k) { offsets[k] = dash - upto[idx[k]]; }
        // A single point has no length to grow along: the dots themselves are the mask.
        const std::string reveal = detail::growth_mask(svg, f, total > 0.0 ? compact_path_data(runs) : dots, dash,
                                                       offsets, t, 2 * radius + 2, total > 0.0);
        if (style.empty()) { style = {{"stroke", "#d55e00"}}; }
        prepend(style, {{"d", dots},
                        {"fill", "none"},
                        {"stroke-width", 2 * radius},
                        {"stroke-linecap", "round"},
                        {"mask", "url(#" + reveal + ")"}});
        svg.group({{"clip-path", f.clip}});
        svg.element("path", style);
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
        detail::animate_changing(svg, "x1", px1, t);
        detail::animate_changing(svg, "y1", py1, t);
        detail::animate_changing(svg, "x2", px2, t);
        detail::animate_changing(svg, "y2", py2, t);
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

    /// A vertical line across the frame at x = at[k] (e.g. the current iteration): one line
    /// moved sideways (an animated translation), hidden in frames where at[k] is not drawable.
    inline void animated_cursor(svg_writer& svg, const frame& f, const std::vector<double>& at, const timeline& t,
                                attrs style = {})
    {
        validate_timeline(t);
        const auto a = detail::per_frame(at, t, "at");
        const double lo = f.y.domain_min(), hi = f.y.domain_max();
        std::vector<double> px(t.frames);
        std::vector<bool> visible(t.frames);
        std::size_t last = t.frames;
        for (std::size_t k = 0; k < t.frames; ++k)
        {
            visible[k] = f.accepts(a[k], lo);
            px[k] = visible[k] ? f.to_px(a[k], lo).x : std::nan("");
            last = visible[k] ? k : last;
        }
        if (style.empty()) { style = {{"stroke", "#333333"}, {"stroke-width", 1.2}, {"stroke-dasharray", "4,3"}}; }
        const double y1 = f.to_px(f.x.domain_min(), lo).y, y2 = f.to_px(f.x.domain_min(), hi).y;
        prepend(style, {{"x1", 0}, {"y1", y1}, {"x2", 0}, {"y2", y2}});
        if (last == t.frames) { style.emplace_back("visibility", "hidden"); }
        else { style.emplace_back("transform", "translate(" + format_number(px[last]) + ")"); }
        svg.group({{"clip-path", f.clip}});
        svg.open("line", style);
        std::string values = detail::values_string(px);
        attrs move = detail::animate_attrs("transform", std::move(values), t);
        move.insert(move.begin() + 1, attr{"type", "translate"});
        svg.element("animateTransform", move);
        detail::animate_visibility(svg, visible, t);
        svg.close();
        svg.close();
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

    /// Controls for every animation of one picture, drawn in `area` (about 28 px high): a
    /// play/pause button and a scrub bar over the frames of t (a discrete timeline). A small
    /// script of the picture's own (it runs where the SVG is a document: opened directly, or in
    /// an HTML <object>; an <img> does not run it and the animation simply loops) starts
    /// paused on the last frame, plays once from the start and holds the last frame, and lets a
    /// click or drag on the bar show any frame. Call it once per picture.
    inline void animation_controls(svg_writer& svg, box area, const timeline& t)
    {
        validate_timeline(t);
        if (!t.discrete) { throw std::invalid_argument("animation_controls: the timeline must be discrete"); }
        if (!(area.width >= 80.0 && area.height >= 16.0))
        {
            throw std::invalid_argument("animation_controls: area must be at least 80 x 16, got "
                                        + std::to_string(area.width) + " x " + std::to_string(area.height));
        }
        const double r = std::min(area.height / 2.0 - 1.0, 12.0);
        const double cx = area.x + r + 1.0;
        const double cy = area.y + area.height / 2.0;
        const double x0 = cx + r + 12.0;
        const double x1 = area.right() - 8.0;
        svg.group({{"class", "controls"},
                   {"data-frames", t.frames},
                   {"data-frame-s", t.duration_s / static_cast<double>(t.frames)},
                   {"data-x0", x0},
                   {"data-x1", x1},
                   {"style", "cursor: pointer"}});
        svg.group({{"class", "play"}});
        svg.circle(cx, cy, r, {{"fill", "#ffffff"}, {"stroke", "#444444"}, {"stroke-width", 1.2}});
        svg.path("M" + format_number(cx - 0.35 * r) + " " + format_number(cy - 0.5 * r) + "L"
                     + format_number(cx + 0.55 * r) + " " + format_number(cy) + "L" + format_number(cx - 0.35 * r) + " "
                     + format_number(cy + 0.5 * r) + "Z",
                 {{"class", "play-icon"}, {"fill", "#444444"}});
        svg.path("M" + format_number(cx - 0.4 * r) + " " + format_number(cy - 0.45 * r) + "h" + format_number(0.28 * r)
                     + "v" + format_number(0.9 * r) + "h" + format_number(-0.28 * r) + "ZM"
                     + format_number(cx + 0.12 * r) + " " + format_number(cy - 0.45 * r) + "h" + format_number(0.28 * r)
                     + "v" + format_number(0.9 * r) + "h" + format_number(-0.28 * r) + "Z",
                 {{"class", "pause-icon"}, {"fill", "#444444"}, {"visibility", "hidden"}});
        svg.close();
        svg.group({{"class", "scrub"}});
        svg.rect(x0 - 6.0, area.y, x1 - x0 + 12.0, area.height, {{"fill", "#ffffff"}, {"fill-opacity", 0}});
        svg.line(x0, cy, x1, cy, {{"stroke", "#bbbbbb"}, {"stroke-width", 4}, {"stroke-linecap", "round"}});
        svg.line(x0, cy, x1, cy,
                 {{"class", "done"}, {"stroke", "#444444"}, {"stroke-width", 4}, {"stroke-linecap", "round"}});
        svg.circle(x1, cy, 6.0,
                   {{"class", "handle"}, {"fill", "#444444"}, {"stroke", "#ffffff"}, {"stroke-width", 1.5}});
        svg.close();
        svg.close();
        svg.raw(R"(<script><![CDATA[
(function () {
  var c = document.currentScript && document.currentScript.previousElementSibling;
  if (!c || c.getAttribute('class') !== 'controls') { return; }
  var root = c.ownerSVGElement;
  if (!root || !root.pauseAnimations) { return; }
  var frames = +c.getAttribute('data-frames'), step = +c.getAttribute('data-frame-s');
  var x0 = +c.getAttribute('data-x0'), x1 = +c.getAttribute('data-x1');
  var play = c.querySelector('.play-icon'), pause = c.querySelector('.pause-icon');
  var done = c.querySelector('.done'), handle = c.querySelector('.handle'), bar = c.querySelector('.scrub');
  var playing = false, frame = frames - 1;
  function show(k) {
    frame = Math.max(0, Math.min(frames - 1, k));
    root.setCurrentTime((frame + 0.5) * step);
    draw();
  }
  function draw() {
    var x = x0 + (x1 - x0) * frame / (frames - 1);
    handle.setAttribute('cx', x);
    done.setAttribute('x2', x);
    play.setAttribute('visibility', playing ? 'hidden' : 'visible');
    pause.setAttribute('visibility', playing ? 'visible' : 'hidden');
  }
  function stop() { playing = false; root.pauseAnimations(); draw(); }
  function tick() {
    if (!playing) { return; }
    var k = Math.floor(root.getCurrentTime() / step);
    if (k >= frames - 1) { stop(); show(frames - 1); return; }
    frame = k;
    draw();
    requestAnimationFrame(tick);
  }
  c.querySelector('.play').addEventListener('click', function () {
    if (playing) { stop(); return; }
    if (frame >= frames - 1) { show(0); }
    playing = true;
    root.unpauseAnimations();
    draw();
    requestAnimationFrame(tick);
  });
  function at(e) {
    var p = root.createSVGPoint();
    p.x = e.clientX; p.y = e.clientY;
    var q = p.matrixTransform(root.getScreenCTM().inverse());
    stop();
    show(Math.round((q.x - x0) / (x1 - x0) * (frames - 1)));
  }
  var dragging = false;
  bar.addEventListener('pointerdown', function (e) { dragging = true; bar.setPointerCapture(e.pointerId); at(e); });
  bar.addEventListener('pointermove', function (e) { if (dragging) { at(e); } });
  bar.addEventListener('pointerup', function () { dragging = false; });
  root.pauseAnimations();
  show(frames - 1);
})();
]]></script>
)");
    }
}
