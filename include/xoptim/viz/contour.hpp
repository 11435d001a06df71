// xoptim/viz/contour.hpp -- values on a regular grid, contour lines by marching
// squares, filled contours, and a contour map with axes and a colour bar.
//
// Marching squares (W. E. Lorensen and H. E. Cline's marching cubes in two
// dimensions): each grid cell is classified by which of its four corners are
// >= the level, the level crossing on each cut edge is placed by linear
// interpolation, and the two ambiguous "saddle" cells are resolved by the mean
// of the four corners (the value at the cell centre of the bilinear surface's
// average). Segments are joined into polylines through the edges they share.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "axes.hpp"
#include "colour.hpp"
#include "compact_path.hpp"
#include "scale.hpp"
#include "svg.hpp"

namespace xoptim::viz
{
    /// Values on a regular (rectilinear) grid: z_at(i, j) = f(x[i], y[j]),
    /// stored as z[i * y.size() + j]. x and y must be strictly increasing.
    struct grid
    {
        std::vector<double> x;
        std::vector<double> y;
        std::vector<double> z;

        std::size_t nx() const noexcept { return x.size(); }
        std::size_t ny() const noexcept { return y.size(); }
        double z_at(std::size_t i, std::size_t j) const { return z[i * y.size() + j]; }
    };

    /// Throws std::invalid_argument unless g has at least 2 x 2 points, strictly
    /// increasing finite x and y, and x.size() * y.size() values. The values may
    /// be non-finite (cells touching them are skipped).
    inline void validate_grid(const grid& g)
    {
        if (g.x.size() < 2)
        {
            throw std::invalid_argument("grid: x must have at least 2 points, got " + std::to_string(g.x.size()));
        }
        if (g.y.size() < 2)
        {
            throw std::invalid_argument("grid: y must have at least 2 points, got " + std::to_string(g.y.size()));
        }
        if (g.z.size() != g.x.size() * g.y.size())
        {
            throw std::invalid_argument("grid: z must have x.size() * y.size() = "
                                        + std::to_string(g.x.size() * g.y.size()) + " values, got "
                                        + std::to_string(g.z.size()));
        }
        for (const auto* axis : {&g.x, &g.y})
        {
            const char* name = axis == &g.x ? "x" : "y";
            for (std::size_t k = 0; k < axis->size(); ++k)
            {
                const double v = (*axis)[k];
                if (!std::isfinite(v) || (k > 0 && !(v > (*axis)[k - 1])))
                {
                    throw std::invalid_argument(std::string("grid: ") + name
                                                + " must be finite and strictly increasing, got " + name + "["
                                                + std::to_string(k) + "] = " + std::to_string(v));
                }
            }
        }
    }

    /// n evenly spaced values from lo to hi inclusive (n >= 2).
    inline std::vector<double> linspace(double lo, double hi, std::size_t n)
    {
        if (n < 2) { throw std::invalid_argument("linspace: n must be >= 2, got " + std::to_string(n)); }
        if (!std::isfinite(lo) || !std::isfinite(hi))
        {
            throw std::invalid_argument("linspace: lo and hi must be finite, got " + std::to_string(lo) + " and "
                                        + std::to_string(hi));
        }
        std::vector<double> v(n);
        for (std::size_t k = 0; k < n; ++k)
        {
            v[k] = lo + (hi - lo) * static_cast<double>(k) / static_cast<double>(n - 1);
        }
        v.back() = hi;
        return v;
    }

    /// A grid from x, y and a table z[i][j] = f(x[i], y[j]).
    inline grid make_grid(std::vector<double> x, std::vector<double> y, const std::vector<std::vector<double>>& z)
    {
        grid g{std::move(x), std::move(y), {}};
        if (z.size() != g.x.size())
        {
            throw std::invalid_argument("make_grid: z must have x.size() = " + std::to_string(g.x.size())
                                        + " rows, got " + std::to_string(z.size()));
        }
        for (std::size_t i = 0; i < z.size(); ++i)
        {
            if (z[i].size() != g.y.size())
            {
                throw std::invalid_argument("make_grid: z[" + std::to_string(i)
                                            + "] must have y.size() = " + std::to_string(g.y.size()) + " values, got "
                                            + std::to_string(z[i].size()));
            }
            g.z.insert(g.z.end(), z[i].begin(), z[i].end());
        }
        validate_grid(g);
        return g;
    }

    /// Samples f(x, y) on an nx x ny grid over [x0, x1] x [y0, y1].
    template <class F>
    grid sample_grid(range xr, std::size_t nx, range yr, std::size_t ny, F&& f)
    {
        grid g{linspace(xr.lo, xr.hi, nx), linspace(yr.lo, yr.hi, ny), {}};
        g.z.reserve(nx * ny);
        for (double xv : g.x)
        {
            for (double yv : g.y) { g.z.push_back(static_cast<double>(f(xv, yv))); }
        }
        validate_grid(g);
        return g;
    }

    /// A contour line in data coordinates. A closed line does not repeat its
    /// first point at the end.
    struct contour_path
    {
        std::vector<point> points;
        bool closed = false;
    };

    namespace detail
    {
        // Edge ids: horizontal edge (i, j)-(i+1, j) -> 2 (i ny + j); vertical
        // edge (i, j)-(i, j+1) -> 2 (i ny + j) + 1.
        struct ms_segment
        {
            std::size_t a;
            std::size_t b;
        };

        // The pairs of cell edges (0 bottom, 1 right, 2 top, 3 left) joined in
        // each case; case bit k is set when corner k is >= the level, corners
        // 0 (i, j), 1 (i+1, j), 2 (i+1, j+1), 3 (i, j+1). Saddles 5 and 10 get
        // the variant chosen by the centre value: [case][centre_high].
        inline int ms_edges(int cell_case, bool centre_high, std::array<std::array<int, 2>, 2>& out)
        {
            switch (cell_case)
            {
            case 0:
            case 15: return 0;
            case 1:
            case 14: out[0] = {3, 0}; return 1;
            case 2:
            case 13: out[0] = {0, 1}; return 1;
            case 3:
            case 12: out[0] = {3, 1}; return 1;
            case 4:
            case 11: out[0] = {1, 2}; return 1;
            case 6:
            case 9: out[0] = {0, 2}; return 1;
            case 7:
            case 8: out[0] = {2, 3}; return 1;
            case 5:
                // corners 0 and 2 high: joined through a high centre, so the
                // low corners 1 and 3 are cut off; otherwise 0 and 2 are.
                if (centre_high)
                {
                    out[0] = {0, 1};
                    out[1] = {2, 3};
                }
                else
                {
                    out[0] = {3, 0};
                    out[1] = {1, 2};
                }
                return 2;
            case 10:
                // corners 1 and 3 high.
                if (centre_high)
                {
                    out[0] = {3, 0};
                    out[1] = {1, 2};
                }
                else
                {
                    out[0] = {0, 1};
                    out[1] = {2, 3};
                }
                return 2;
            default: return 0;
            }
        }

        inline std::vector<contour_path> march(const grid& g, double level)
        {
            const std::size_t nx = g.nx();
            const std::size_t ny = g.ny();
            std::vector<ms_segment> segs;
            std::unordered_map<std::size_t, point> crossing;
            auto h_edge = [ny](std::size_t i, std::size_t j) { return 2 * (i * ny + j); };
            auto v_edge = [ny](std::size_t i, std::size_t j) { return 2 * (i * ny + j) + 1; };
            auto cross = [&](std::size_t key, double xa, double ya, double za, double xb, double yb, double zb) {
                if (crossing.find(key) == crossing.end())
                {
                    const double t = (level - za) / (zb - za);
                    crossing[key] = point{xa + t * (xb - xa), ya + t * (yb - ya)};
                }
            };
            for (std::size_t i = 0; i + 1 < nx; ++i)
            {
                for (std::size_t j = 0; j + 1 < ny; ++j)
                {
                    const double z0 = g.z_at(i, j);
                    const double z1 = g.z_at(i + 1, j);
                    const double z2 = g.z_at(i + 1, j + 1);
                    const double z3 = g.z_at(i, j + 1);
                    if (!(std::isfinite(z0) && std::isfinite(z1) && std::isfinite(z2) && std::isfinite(z3)))
                    {
                        continue;  // a cell touching a missing value has no contour
                    }
                    const int c =
                        (z0 >= level ? 1 : 0) | (z1 >= level ? 2 : 0) | (z2 >= level ? 4 : 0) | (z3 >= level ? 8 : 0);
                    if (c == 0 || c == 15) { continue; }
                    const bool centre_high = (z0 + z1 + z2 + z3) / 4.0 >= level;
                    std::array<std::array<int, 2>, 2> pairs{};
                    const int n = ms_edges(c, centre_high, pairs);
                    const double xa = g.x[i], xb = g.x[i + 1], ya = g.y[j], yb = g.y[j + 1];
                    auto edge_key = [&](int e) -> std::size_t {
                        switch (e)
                        {
                        case 0: cross(h_edge(i, j), xa, ya, z0, xb, ya, z1); return h_edge(i, j);
                        case 1: cross(v_edge(i + 1, j), xb, ya, z1, xb, yb, z2); return v_edge(i + 1, j);
                        case 2: cross(h_edge(i, j + 1), xa, yb, z3, xb, yb, z2); return h_edge(i, j + 1);
                        default: cross(v_edge(i, j), xa, ya, z0, xa, yb, z3); return v_edge(i, j);
                        }
                    };
                    for (std::size_t k = 0; k < static_cast<std::size_t>(n); ++k)
                    {
                        segs.push_back({edge_key(pairs[k][0]), edge_key(pairs[k][1])});
                    }
                }
            }
            // Join segments through shared edges (each edge is shared by at most two cells).
            std::unordered_map<std::size_t, std::array<std::size_t, 2>> at_edge;
            const std::size_t none = std::numeric_limits<std::size_t>::max();
            for (std::size_t s = 0; s < segs.size(); ++s)
            {
                for (std::size_t key : {segs[s].a, segs[s].b})
                {
                    auto it = at_edge.find(key);
                    if (it == at_edge.end()) { at_edge[key] = {s, none}; }
                    else { it->second[1] = s; }
                }
            }
            std::vector<bool> used(segs.size(), false);
            auto next_segment = [&](std::size_t key, std::size_t from) -> std::size_t {
                const auto& pair = at_edge[key];
                for (std::size_t s : pair)
                {
                    if (s != none && s != from && !used[s]) { return s; }
                }
                return none;
            };
            std::vector<contour_path> out;
            for (std::size_t s0 = 0; s0 < segs.size(); ++s0)
            {
                if (used[s0]) { continue; }
                used[s0] = true;
                std::vector<std::size_t> fwd{segs[s0].a, segs[s0].b};
                bool closed = false;
                std::size_t cur = s0;
                while (true)
                {
                    const std::size_t key = fwd.back();
                    const std::size_t nxt = next_segment(key, cur);
                    if (nxt == none) { break; }
                    used[nxt] = true;
                    const std::size_t other = segs[nxt].a == key ? segs[nxt].b : segs[nxt].a;
                    cur = nxt;
                    if (other == fwd.front())
                    {
                        closed = true;
                        break;
                    }
                    fwd.push_back(other);
                }
                std::vector<std::size_t> back;
                if (!closed)
                {
                    cur = s0;
                    std::size_t key = fwd.front();
                    while (true)
                    {
                        const std::size_t nxt = next_segment(key, cur);
                        if (nxt == none) { break; }
                        used[nxt] = true;
                        key = segs[nxt].a == key ? segs[nxt].b : segs[nxt].a;
                        back.push_back(key);
                        cur = nxt;
                    }
                }
                contour_path p;
                p.closed = closed;
                for (auto it = back.rbegin(); it != back.rend(); ++it) { p.points.push_back(crossing[*it]); }
                for (std::size_t key : fwd) { p.points.push_back(crossing[key]); }
                out.push_back(std::move(p));
            }
            return out;
        }
    }

    /// The contour lines of g at `level`, in data coordinates. Cells with a
    /// non-finite corner are skipped.
    inline std::vector<contour_path> contour_lines(const grid& g, double level)
    {
        validate_grid(g);
        if (!std::isfinite(level))
        {
            throw std::invalid_argument("contour_lines: level must be finite, got " + std::to_string(level));
        }
        return detail::march(g, level);
    }

    /// The boundary of the region {z >= level} as closed paths (use the even-odd
    /// fill rule). The grid's border closes paths that leave the grid, and
    /// non-finite values count as below every level.
    inline std::vector<contour_path> contour_region(const grid& g, double level)
    {
        validate_grid(g);
        if (!std::isfinite(level))
        {
            throw std::invalid_argument("contour_region: level must be finite, got " + std::to_string(level));
        }
        double low = std::min(level, 0.0);
        for (double v : g.z)
        {
            if (std::isfinite(v)) { low = std::min(low, v); }
        }
        low = low - 1.0 - std::abs(low);
        // Pad with a ring of low values at the border's own coordinates (zero-width
        // cells), so that every crossing found there lies on the border.
        grid p;
        p.x.reserve(g.nx() + 2);
        p.x.push_back(g.x.front());
        p.x.insert(p.x.end(), g.x.begin(), g.x.end());
        p.x.push_back(g.x.back());
        p.y.push_back(g.y.front());
        p.y.insert(p.y.end(), g.y.begin(), g.y.end());
        p.y.push_back(g.y.back());
        const std::size_t pny = p.y.size();
        p.z.assign(p.x.size() * pny, low);
        for (std::size_t i = 0; i < g.nx(); ++i)
        {
            for (std::size_t j = 0; j < g.ny(); ++j)
            {
                const double v = g.z_at(i, j);
                p.z[(i + 1) * pny + (j + 1)] = std::isfinite(v) ? v : low;
            }
        }
        return detail::march(p, level);
    }

    enum class level_spacing
    {
        linear,
        log
    };

    /// n levels evenly spaced strictly inside (lo, hi).
    inline std::vector<double> linear_levels(double lo, double hi, std::size_t n)
    {
        if (n == 0) { throw std::invalid_argument("linear_levels: n must be > 0, got 0"); }
        if (!std::isfinite(lo) || !std::isfinite(hi) || !(hi > lo))
        {
            throw std::invalid_argument("linear_levels: need finite lo < hi, got lo = " + std::to_string(lo)
                                        + " and hi = " + std::to_string(hi));
        }
        std::vector<double> v(n);
        for (std::size_t k = 0; k < n; ++k)
        {
            v[k] = lo + (hi - lo) * static_cast<double>(k + 1) / static_cast<double>(n + 1);
        }
        return v;
    }

    /// n levels evenly spaced in log10 strictly inside (lo, hi), 0 < lo < hi:
    /// for values spanning many orders of magnitude, such as a squared error.
    inline std::vector<double> log_levels(double lo, double hi, std::size_t n)
    {
        if (!(std::isfinite(lo) && lo > 0.0))
        {
            throw std::invalid_argument("log_levels: lo must be finite and > 0, got " + std::to_string(lo));
        }
        if (!(std::isfinite(hi) && hi > lo))
        {
            throw std::invalid_argument("log_levels: hi must be finite and > lo, got " + std::to_string(hi));
        }
        auto v = linear_levels(std::log10(lo), std::log10(hi), n);
        for (double& e : v) { e = std::pow(10.0, e); }
        return v;
    }

    /// n levels over the finite values of g (the positive ones for log spacing).
    inline std::vector<double> auto_levels(const grid& g, std::size_t n, level_spacing spacing = level_spacing::linear)
    {
        validate_grid(g);
        const bool log = spacing == level_spacing::log;
        const auto r = finite_range(g.z, log);
        if (!r || !(r->hi > r->lo))
        {
            throw std::invalid_argument(std::string("auto_levels: g needs at least two different finite")
                                        + (log ? " positive" : "") + " values");
        }
        return log ? log_levels(r->lo, r->hi, n) : linear_levels(r->lo, r->hi, n);
    }

    struct contour_options
    {
        std::string title;
        std::string x_label;
        std::string y_label;
        double width = 560;
        double height = 480;
        std::size_t level_count = 12;
        level_spacing spacing = level_spacing::linear;
        std::vector<double> levels;  ///< explicit levels (increasing); overrides level_count
        bool filled = true;          ///< fill the bands between levels with viridis
        bool lines = true;           ///< draw the contour lines
        bool colour_bar = true;
        /// Not empty: the relative path of a picture of the bands and lines (contour_background
        /// of the same grid and options), shown in the plot area instead of drawing them, so
        /// that many pictures share one copy. A viewer that loads no files from a picture (an
        /// HTML <img>) shows the map without it.
        std::string background;
    };

    namespace detail
    {
        inline std::string level_label(double v)
        {
            if (v == 0.0) { return "0"; }
            const double a = std::abs(v);
            if (a >= 1e5 || a < 1e-3) { return compact_scientific(v, 3); }
            const int decimals = std::clamp(2 - static_cast<int>(std::floor(std::log10(a))), 0, 5);
            return format_number(v, decimals);
        }

        inline std::vector<double> checked_levels(const grid& g, const contour_options& opt)
        {
            std::vector<double> levels = opt.levels;
            if (levels.empty()) { levels = auto_levels(g, opt.level_count, opt.spacing); }
            for (std::size_t k = 0; k < levels.size(); ++k)
            {
                if (!std::isfinite(levels[k]) || (k > 0 && !(levels[k] > levels[k - 1])))
                {
                    throw std::invalid_argument("contour_options: levels must be finite and increasing, got levels["
                                                + std::to_string(k) + "] = " + std::to_string(levels[k]));
                }
            }
            return levels;
        }

        // The colour of contour line k of n when lines are drawn without filling:
        // viridis short of its palest yellow, so every line shows on white.
        inline rgb line_colour(std::size_t k, std::size_t n)
        {
            return viridis(n <= 1 ? 0.0 : 0.9 * static_cast<double>(k) / static_cast<double>(n - 1));
        }

        inline std::string band_colour(std::size_t band, std::size_t bands)
        {
            return viridis(bands <= 1 ? 0.5 : static_cast<double>(band) / static_cast<double>(bands - 1)).hex();
        }

        // The path data of contour lines or a region's boundary in the frame's pixels (or their
        // hundredths), compact (compact_path): the border runs of a region, straight along the
        // plot's edges, become one segment each.
        inline std::string pixel_path(const frame& f, const std::vector<contour_path>& paths,
                                      path_units units = path_units::pixels)
        {
            compact_path d(units);
            std::vector<point> px;
            for (const auto& p : paths)
            {
                px.clear();
                for (const auto& q : p.points) { px.push_back(f.to_px(q.x, q.y)); }
                d.add(px, p.closed);
            }
            return d.str();
        }
    }

    /// Draws filled bands and/or contour lines of g into a frame whose scales
    /// cover g (e.g. one from draw_contour_map). Returns the levels used.
    inline std::vector<double> draw_contours(svg_writer& svg, const frame& f, const grid& g, const contour_options& opt)
    {
        const auto levels = detail::checked_levels(g, opt);
        const std::size_t bands = levels.size() + 1;
        svg.group({{"clip-path", f.clip}, {"class", "contours"}});
        if (opt.filled)
        {
            // Paint the lowest band everywhere, then each region {z >= level} on top.
            const point a = f.to_px(g.x.front(), g.y.front());
            const point b = f.to_px(g.x.back(), g.y.back());
            svg.rect(std::min(a.x, b.x), std::min(a.y, b.y), std::abs(b.x - a.x), std::abs(b.y - a.y),
                     {{"fill", detail::band_colour(0, bands)}});
            // The regions, in hundredths of a pixel, share their fill rule and stroke in a group;
            // each path has its colour.
            svg.group({{"transform", hundredths_scale}, {"fill-rule", "evenodd"}, {"stroke", "none"}});
            for (std::size_t k = 0; k < levels.size(); ++k)
            {
                const std::string d = detail::pixel_path(f, contour_region(g, levels[k]), path_units::hundredths);
                if (!d.empty()) { svg.path(d, {{"fill", detail::band_colour(k + 1, bands)}}); }
            }
            svg.close();
            // Cells with a missing value in light grey.
            svg.group({{"fill", "#d0d0d0"}, {"stroke", "#d0d0d0"}, {"stroke-width", 0.6}});
            for (std::size_t i = 0; i + 1 < g.nx(); ++i)
            {
                for (std::size_t j = 0; j + 1 < g.ny(); ++j)
                {
                    if (!(std::isfinite(g.z_at(i, j)) && std::isfinite(g.z_at(i + 1, j))
                          && std::isfinite(g.z_at(i + 1, j + 1)) && std::isfinite(g.z_at(i, j + 1))))
                    {
                        const point p = f.to_px(g.x[i], g.y[j + 1]);
                        const point q = f.to_px(g.x[i + 1], g.y[j]);
                        svg.rect(p.x, p.y, q.x - p.x, q.y - p.y);
                    }
                }
            }
            svg.close();
        }
        if (opt.lines)
        {
            // The lines, in hundredths of a pixel (their width is in the picture's pixels, as
            // vector-effect is non-scaling-stroke; not inherited, so each path carries it). Over
            // bands every line is the same translucent black, set once on the group.
            attrs group{{"transform", hundredths_scale},
                        {"fill", "none"},
                        {"stroke-width", opt.filled ? 0.7 : 1.3},
                        {"stroke-linejoin", "round"}};
            if (opt.filled)
            {
                group.emplace_back("stroke", "#000000");
                group.emplace_back("stroke-opacity", 0.35);
            }
            svg.group(group);
            for (std::size_t k = 0; k < levels.size(); ++k)
            {
                const std::string d = detail::pixel_path(f, contour_lines(g, levels[k]), path_units::hundredths);
                if (d.empty()) { continue; }
                attrs a{{"vector-effect", "non-scaling-stroke"}};
                if (!opt.filled) { prepend(a, {{"stroke", detail::line_colour(k, levels.size()).hex()}}); }
                svg.path(d, a);
            }
            svg.close();
        }
        svg.close();
        return levels;
    }

    /// Draws a vertical colour bar for these levels: the filled bands below,
    /// between and above them, or (filled = false) each level's line colour.
    inline void draw_colour_bar(svg_writer& svg, box area, const std::vector<double>& levels, bool filled = true)
    {
        if (levels.empty()) { return; }
        const std::size_t bands = levels.size() + 1;
        const double h = area.height / static_cast<double>(bands);
        svg.group({{"class", "colour-bar"}, {"font-size", 10}});
        if (filled)
        {
            for (std::size_t b = 0; b < bands; ++b)
            {
                svg.rect(area.x, area.bottom() - h * static_cast<double>(b + 1), area.width, h,
                         {{"fill", detail::band_colour(b, bands)}});
            }
        }
        else
        {
            svg.rect(area.x, area.y, area.width, area.height, {{"fill", "#ffffff"}});
            for (std::size_t k = 0; k < levels.size(); ++k)
            {
                const double y = area.bottom() - h * static_cast<double>(k + 1);
                svg.line(area.x, y, area.right(), y,
                         {{"stroke", detail::line_colour(k, levels.size()).hex()}, {"stroke-width", 3}});
            }
        }
        svg.rect(area.x, area.y, area.width, area.height, {{"fill", "none"}, {"stroke", "#444444"}});
        // Label every level when there is room, otherwise every second or third.
        const std::size_t every = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(14.0 / h)));
        for (std::size_t k = 0; k < levels.size(); k += every)
        {
            const double y = area.bottom() - h * static_cast<double>(k + 1);
            svg.line(area.right(), y, area.right() + 4, y, {{"stroke", "#444444"}});
            svg.text(area.right() + 6, y + 3.5, detail::level_label(levels[k]), {{"fill", "#222222"}});
        }
        svg.close();
    }

    /// Draws a contour map of g with axes (and a colour bar at the right) into
    /// `area`; returns the frame, in g's coordinates, for drawing paths on it.
    inline frame draw_contour_map(svg_writer& svg, box area, const grid& g, const contour_options& opt)
    {
        validate_grid(g);
        const auto levels = detail::checked_levels(g, opt);
        axis_options ax;
        ax.title = opt.title;
        ax.x_label = opt.x_label;
        ax.y_label = opt.y_label;
        ax.nice = false;
        ax.grid = false;
        double bar_w = 0.0;
        if (opt.colour_bar)
        {
            double lw = 0.0;
            for (double l : levels) { lw = std::max(lw, detail::text_width(detail::level_label(l), 10)); }
            bar_w = 14.0 + 10.0 + lw + 12.0;
        }
        const double left = opt.y_label.empty() ? 50.0 : 70.0;
        const double top = opt.title.empty() ? 14.0 : 34.0;
        const double bottom = opt.x_label.empty() ? 30.0 : 48.0;
        box plot{area.x + left, area.y + top, area.width - left - 16.0 - bar_w, area.height - top - bottom};
        if (plot.width < 40.0 || plot.height < 40.0)
        {
            throw std::invalid_argument("draw_contour_map: area too small, got " + std::to_string(area.width) + " x "
                                        + std::to_string(area.height));
        }
        frame f = make_frame(svg, plot, {g.x.front(), g.x.back()}, {g.y.front(), g.y.back()}, ax);
        draw_axes(svg, f, ax);
        contour_options o = opt;
        o.levels = levels;
        if (opt.background.empty()) { draw_contours(svg, f, g, o); }
        else
        {
            svg.group({{"clip-path", f.clip}, {"class", "contours"}});
            svg.element("image", {{"href", opt.background},
                                  {"x", plot.x},
                                  {"y", plot.y},
                                  {"width", plot.width},
                                  {"height", plot.height},
                                  {"preserveAspectRatio", "none"}});
            svg.close();
        }
        svg.rect(plot.x, plot.y, plot.width, plot.height, {{"fill", "none"}, {"stroke", "#444444"}});
        if (opt.colour_bar)
        {
            draw_colour_bar(svg, {plot.right() + 14.0, plot.y, 14.0, plot.height}, levels, opt.filled);
        }
        return f;
    }

    /// The bands and lines of g's contour map alone, filling a width x height picture that
    /// stretches to any plot area (preserveAspectRatio="none"; lines keep their width): the
    /// `background` of draw_contour_map for pictures that share one copy.
    inline std::string contour_background(const grid& g, const contour_options& opt = {}, double width = 600,
                                          double height = 450)
    {
        validate_grid(g);
        if (!opt.background.empty())
        {
            throw std::invalid_argument("contour_background: opt.background must be empty, got '" + opt.background
                                        + "'");
        }
        svg_writer svg(width, height);
        axis_options ax;
        ax.nice = false;
        ax.grid = false;
        const frame f =
            make_frame(svg, {0, 0, width, height}, {g.x.front(), g.x.back()}, {g.y.front(), g.y.back()}, ax);
        draw_contours(svg, f, g, opt);
        return svg.str();
    }

    /// A contour map of g as a complete SVG document.
    inline std::string contour_map(const grid& g, const contour_options& opt = {})
    {
        svg_writer svg(opt.width, opt.height);
        svg.rect(0, 0, opt.width, opt.height, {{"fill", "#ffffff"}});
        draw_contour_map(svg, {0, 0, opt.width, opt.height}, g, opt);
        return svg.str();
    }
}
