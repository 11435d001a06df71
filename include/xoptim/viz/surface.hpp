// xoptim/viz/surface.hpp -- a shaded 3-D surface of grid values, drawn as a
// projected mesh: the grid is rotated about the vertical axis, tilted towards
// the viewer, and its quads are painted back to front (painter's algorithm),
// each filled with the viridis colour of its height and shaded by its slope.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include "axes.hpp"
#include "colour.hpp"
#include "compact_path.hpp"
#include "contour.hpp"
#include "scale.hpp"
#include "svg.hpp"

namespace xoptim::viz
{
    struct surface_options
    {
        std::string title;
        std::string x_label = "x";
        std::string y_label = "y";
        std::string z_label = "z";
        double width = 560;
        double height = 460;
        double azimuth_deg = -55.0;   ///< rotation about the vertical axis
        double elevation_deg = 30.0;  ///< tilt: 0 looks from the side, 90 from above
        std::size_t max_cells = 40;   ///< at most this many cells per side (the grid is thinned)
        bool log_z = false;           ///< height and colour by log10(z); z <= 0 is skipped
        bool mesh_lines = true;       ///< thin dark lines along the cells
        double z_aspect = 0.75;       ///< height of the box relative to its half-width
    };

    namespace detail
    {
        struct vec3
        {
            double x, y, z;
        };

        inline vec3 cross3(vec3 a, vec3 b)
        {
            return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
        }

        inline std::vector<std::size_t> thinned(std::size_t n, std::size_t max_cells)
        {
            const std::size_t step = std::max<std::size_t>(1, (n - 1 + max_cells - 1) / max_cells);
            std::vector<std::size_t> idx;
            for (std::size_t k = 0; k < n - 1; k += step) { idx.push_back(k); }
            idx.push_back(n - 1);
            return idx;
        }

        // The attributes the facets share: their units (hundredths of a pixel), the outline's
        // width (0.35 or 0.6 pixels) and join, and without mesh lines a fill and an outline in
        // the facet's own `color` (the outline hides the seams).
        inline attrs facet_group(bool mesh_lines)
        {
            attrs a{
                {"transform", hundredths_scale}, {"stroke-width", mesh_lines ? 35 : 60}, {"stroke-linejoin", "round"}};
            if (!mesh_lines) { prepend(a, {{"fill", "currentColor"}, {"stroke", "currentColor"}}); }
            return a;
        }

        // A facet's own attributes: the viridis colour of its height t, shaded by its light, and
        // with mesh lines an outline in the same colour darker; without, the colour alone.
        inline attrs facet_colours(double t, double light, bool mesh_lines)
        {
            const std::string fill = viridis(t).shaded(light).hex();
            if (!mesh_lines) { return {{"color", fill}}; }
            return {{"fill", fill}, {"stroke", viridis(t).shaded(light * 0.6).hex()}};
        }

        // Rotation and tilt from box coordinates (u, v in [-1, 1], w up) to the
        // view: screen x to the right, screen y up, depth away from the viewer.
        struct view
        {
            double ca, sa, ce, se;

            vec3 operator()(vec3 p) const
            {
                const double xr = p.x * ca - p.y * sa;
                const double yr = p.x * sa + p.y * ca;
                return {xr, yr * se + p.z * ce, yr * ce - p.z * se};
            }
        };
    }

    /// Draws the surface of g into `area` of an existing picture.
    inline void draw_surface(svg_writer& svg, box area, const grid& g, const surface_options& opt = {})
    {
        validate_grid(g);
        if (opt.max_cells < 1) { throw std::invalid_argument("surface_options: max_cells must be >= 1, got 0"); }
        if (!(std::isfinite(opt.azimuth_deg) && std::isfinite(opt.elevation_deg) && opt.elevation_deg >= 0.0
              && opt.elevation_deg <= 90.0))
        {
            throw std::invalid_argument(
                "surface_options: elevation_deg must be in [0, 90] (and azimuth_deg finite), got "
                + std::to_string(opt.elevation_deg));
        }
        if (!(std::isfinite(opt.z_aspect) && opt.z_aspect > 0.0))
        {
            throw std::invalid_argument("surface_options: z_aspect must be finite and > 0, got "
                                        + std::to_string(opt.z_aspect));
        }
        auto zval = [&](std::size_t i, std::size_t j) {
            const double v = g.z_at(i, j);
            return opt.log_z ? (v > 0.0 ? std::log10(v) : std::numeric_limits<double>::quiet_NaN()) : v;
        };
        double zmin = std::numeric_limits<double>::infinity();
        double zmax = -zmin;
        for (std::size_t i = 0; i < g.nx(); ++i)
        {
            for (std::size_t j = 0; j < g.ny(); ++j)
            {
                const double v = zval(i, j);
                if (std::isfinite(v))
                {
                    zmin = std::min(zmin, v);
                    zmax = std::max(zmax, v);
                }
            }
        }
        if (!(zmin <= zmax))
        {
            throw std::invalid_argument("draw_surface: g has no finite values to draw"
                                        + std::string(opt.log_z ? " (log_z needs values > 0)" : ""));
        }
        if (zmin == zmax)
        {
            zmin -= 0.5;
            zmax += 0.5;
        }
        const double x0 = g.x.front(), x1 = g.x.back(), y0 = g.y.front(), y1 = g.y.back();
        auto box_coords = [&](double xv, double yv, double zv) -> detail::vec3 {
            return {2.0 * (xv - x0) / (x1 - x0) - 1.0, 2.0 * (yv - y0) / (y1 - y0) - 1.0,
                    opt.z_aspect * 2.0 * (zv - zmin) / (zmax - zmin)};
        };
        const double a = opt.azimuth_deg * std::numbers::pi / 180.0;
        const double e = opt.elevation_deg * std::numbers::pi / 180.0;
        const detail::view view{std::cos(a), std::sin(a), std::cos(e), std::sin(e)};
        const double wtop = opt.z_aspect * 2.0;

        // Fit the projected box into the area, leaving room for the labels.
        const double top = opt.title.empty() ? 12.0 : 34.0;
        const box inner{area.x + 56.0, area.y + top, area.width - 112.0, area.height - top - 40.0};
        double sx0 = 1e300, sx1 = -1e300, sy0 = 1e300, sy1 = -1e300;
        for (double u : {-1.0, 1.0})
        {
            for (double v : {-1.0, 1.0})
            {
                for (double w : {0.0, wtop})
                {
                    const auto p = view({u, v, w});
                    sx0 = std::min(sx0, p.x);
                    sx1 = std::max(sx1, p.x);
                    sy0 = std::min(sy0, p.y);
                    sy1 = std::max(sy1, p.y);
                }
            }
        }
        const double k = std::min(inner.width / (sx1 - sx0), inner.height / (sy1 - sy0));
        const double cx = inner.x + inner.width / 2.0 - k * (sx0 + sx1) / 2.0;
        const double cy = inner.y + inner.height / 2.0 + k * (sy0 + sy1) / 2.0;
        auto to_px = [&](detail::vec3 p) -> point {
            const auto q = view(p);
            return {cx + k * q.x, cy - k * q.y};
        };
        auto depth = [&](detail::vec3 p) { return view(p).z; };

        if (!opt.title.empty())
        {
            svg.text(area.x + area.width / 2.0, area.y + 20.0, opt.title,
                     {{"text-anchor", "middle"}, {"font-size", 15}, {"font-weight", "bold"}});
        }
        svg.group({{"class", "surface"}});

        // The floor and the two walls furthest from the viewer, with grid lines.
        const std::array<detail::vec3, 4> floor{{{-1, -1, 0}, {1, -1, 0}, {1, 1, 0}, {-1, 1, 0}}};
        std::vector<point> fl;
        for (const auto& p : floor) { fl.push_back(to_px(p)); }
        svg.polygon(fl, {{"fill", "#f4f4f4"}, {"stroke", "#999999"}});
        const double u_back = depth({1, 0, 0}) > depth({-1, 0, 0}) ? 1.0 : -1.0;
        const double v_back = depth({0, 1, 0}) > depth({0, -1, 0}) ? 1.0 : -1.0;
        svg.polygon(
            {to_px({u_back, -1, 0}), to_px({u_back, 1, 0}), to_px({u_back, 1, wtop}), to_px({u_back, -1, wtop})},
            {{"fill", "#fafafa"}, {"stroke", "#bbbbbb"}});
        svg.polygon(
            {to_px({-1, v_back, 0}), to_px({1, v_back, 0}), to_px({1, v_back, wtop}), to_px({-1, v_back, wtop})},
            {{"fill", "#fafafa"}, {"stroke", "#bbbbbb"}});
        const auto zt = nice_ticks(zmin, zmax, 4);
        svg.group({{"stroke", "#dddddd"}, {"stroke-width", 0.8}, {"fill", "none"}});
        for (double t : zt)
        {
            const double w = box_coords(x0, y0, t).z;
            svg.polyline({to_px({u_back, -v_back, w}), to_px({u_back, v_back, w}), to_px({-u_back, v_back, w})});
        }
        svg.close();

        // The quads, back to front.
        struct quad
        {
            std::array<detail::vec3, 4> p;
            double depth;
            double colour_t;
            double light;
        };
        const auto ii = detail::thinned(g.nx(), opt.max_cells);
        const auto jj = detail::thinned(g.ny(), opt.max_cells);
        std::vector<quad> quads;
        quads.reserve((ii.size() - 1) * (jj.size() - 1));
        const detail::vec3 light_dir = [] {
            const double n = std::sqrt(0.3 * 0.3 + 0.5 * 0.5 + 0.81 * 0.81);
            return detail::vec3{-0.3 / n, -0.5 / n, 0.81 / n};
        }();
        for (std::size_t a_i = 0; a_i + 1 < ii.size(); ++a_i)
        {
            for (std::size_t b_j = 0; b_j + 1 < jj.size(); ++b_j)
            {
                const std::size_t i = ii[a_i], i2 = ii[a_i + 1], j = jj[b_j], j2 = jj[b_j + 1];
                const double z00 = zval(i, j), z10 = zval(i2, j), z11 = zval(i2, j2), z01 = zval(i, j2);
                if (!(std::isfinite(z00) && std::isfinite(z10) && std::isfinite(z11) && std::isfinite(z01)))
                {
                    continue;  // a missing value leaves a hole
                }
                quad q;
                q.p = {box_coords(g.x[i], g.y[j], z00), box_coords(g.x[i2], g.y[j], z10),
                       box_coords(g.x[i2], g.y[j2], z11), box_coords(g.x[i], g.y[j2], z01)};
                const detail::vec3 c{(q.p[0].x + q.p[2].x) / 2, (q.p[0].y + q.p[2].y) / 2,
                                     (q.p[0].z + q.p[1].z + q.p[2].z + q.p[3].z) / 4};
                q.depth = depth(c);
                q.colour_t = ((z00 + z10 + z11 + z01) / 4.0 - zmin) / (zmax - zmin);
                const detail::vec3 d1{q.p[2].x - q.p[0].x, q.p[2].y - q.p[0].y, q.p[2].z - q.p[0].z};
                const detail::vec3 d2{q.p[3].x - q.p[1].x, q.p[3].y - q.p[1].y, q.p[3].z - q.p[1].z};
                auto n = detail::cross3(d1, d2);
                const double len = std::sqrt(n.x * n.x + n.y * n.y + n.z * n.z);
                const double cosine =
                    len > 0 ? std::abs(n.x * light_dir.x + n.y * light_dir.y + n.z * light_dir.z) / len : 1.0;
                q.light = 0.45 + 0.55 * cosine;
                quads.push_back(q);
            }
        }
        std::sort(quads.begin(), quads.end(), [](const quad& l, const quad& r) { return l.depth > r.depth; });
        svg.group(detail::facet_group(opt.mesh_lines));
        std::vector<point> px;
        for (const auto& q : quads)
        {
            px.clear();
            for (const auto& p : q.p) { px.push_back(to_px(p)); }
            svg.path(compact_path_data({px}, true, path_units::hundredths),
                     detail::facet_colours(q.colour_t, q.light, opt.mesh_lines));
        }
        svg.close();

        // Ticks and labels along the front edges of the floor and a vertical edge.
        svg.group({{"font-size", 10}, {"fill", "#222222"}});
        const double u_front = -u_back, v_front = -v_back;
        auto label_edge = [&](bool along_x) {
            const auto ticks = along_x ? nice_ticks(x0, x1, 4) : nice_ticks(y0, y1, 4);
            const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1.0;
            for (double t : ticks)
            {
                const detail::vec3 p = along_x ? detail::vec3{box_coords(t, y0, zmin).x, v_front, 0}
                                               : detail::vec3{u_front, box_coords(x0, t, zmin).y, 0};
                const detail::vec3 out =
                    along_x ? detail::vec3{p.x, v_front * 1.12, 0} : detail::vec3{u_front * 1.12, p.y, 0};
                const point tick_in = to_px(p), tick_out = to_px(out);
                svg.line(tick_in.x, tick_in.y, tick_out.x, tick_out.y, {{"stroke", "#666666"}});
                const detail::vec3 lab =
                    along_x ? detail::vec3{p.x, v_front * 1.28, 0} : detail::vec3{u_front * 1.28, p.y, 0};
                const point l = to_px(lab);
                svg.text(l.x, l.y + 3.5, tick_label(t, step), {{"text-anchor", "middle"}});
            }
            const detail::vec3 mid = along_x ? detail::vec3{0, v_front * 1.55, 0} : detail::vec3{u_front * 1.55, 0, 0};
            const point m = to_px(mid);
            svg.text(m.x, m.y + 4, along_x ? opt.x_label : opt.y_label, {{"text-anchor", "middle"}, {"font-size", 12}});
        };
        label_edge(true);
        label_edge(false);
        // The z axis on the vertical edge furthest to the left on screen.
        detail::vec3 zc{-1, -1, 0};
        for (double u : {-1.0, 1.0})
        {
            for (double v : {-1.0, 1.0})
            {
                if (view({u, v, 0}).x < view(zc).x) { zc = {u, v, 0}; }
            }
        }
        const point zb = to_px(zc), ztp = to_px({zc.x, zc.y, wtop});
        svg.line(zb.x, zb.y, ztp.x, ztp.y, {{"stroke", "#666666"}});
        const double zstep = zt.size() > 1 ? zt[1] - zt[0] : 1.0;
        for (double t : zt)
        {
            if (box_coords(x0, y0, t).z < 0.08 * wtop)
            {
                continue;  // too close to the floor's own tick labels
            }
            const point p = to_px({zc.x, zc.y, box_coords(x0, y0, t).z});
            svg.line(p.x - 5, p.y, p.x, p.y, {{"stroke", "#666666"}});
            const std::string lab = opt.log_z ? log_tick_label(std::pow(10.0, t)) : tick_label(t, zstep);
            svg.text(p.x - 8, p.y + 3.5, lab, {{"text-anchor", "end"}});
        }
        const point zl = to_px({zc.x, zc.y, wtop});
        svg.text(zl.x, zl.y - 10, opt.z_label + (opt.log_z ? " (log scale)" : ""),
                 {{"text-anchor", "middle"}, {"font-size", 12}});
        svg.close();
        svg.close();
    }

    /// A shaded surface of g as a complete SVG document.
    inline std::string surface_plot(const grid& g, const surface_options& opt = {})
    {
        svg_writer svg(opt.width, opt.height);
        svg.rect(0, 0, opt.width, opt.height, {{"fill", "#ffffff"}});
        draw_surface(svg, {0, 0, opt.width, opt.height}, g, opt);
        return svg.str();
    }
}
