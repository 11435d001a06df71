// Marching squares against hand-worked cells (both saddle cases included) and
// an analytic contour, filled regions, level choice, and the contour map.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <regex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "viz_test_support.hpp"
#include "xoptim/viz/contour.hpp"

using namespace xoptim::viz;
using namespace xoptim_viz_test;

namespace
{
    // The unit cell with corner values z(0,0)=z0, z(1,0)=z1, z(1,1)=z2, z(0,1)=z3.
    grid unit_cell(double z0, double z1, double z2, double z3)
    {
        return make_grid({0, 1}, {0, 1}, {{z0, z3}, {z1, z2}});
    }

    using segment = std::pair<point, point>;

    bool near(point a, point b) { return std::abs(a.x - b.x) < 1e-12 && std::abs(a.y - b.y) < 1e-12; }

    bool same_segment(const segment& s, const segment& t)
    {
        return (near(s.first, t.first) && near(s.second, t.second))
               || (near(s.first, t.second) && near(s.second, t.first));
    }

    // Every open two-point line of `lines` matches one expected segment, and all are found.
    void check_segments(const std::vector<contour_path>& lines, std::vector<segment> expected)
    {
        REQUIRE(lines.size() == expected.size());
        for (const auto& l : lines)
        {
            CHECK_FALSE(l.closed);
            REQUIRE(l.points.size() == 2);
            const segment s{l.points[0], l.points[1]};
            auto it =
                std::find_if(expected.begin(), expected.end(), [&](const segment& e) { return same_segment(s, e); });
            CHECK_MESSAGE(it != expected.end(), "unexpected segment (" << s.first.x << "," << s.first.y << ")-("
                                                                       << s.second.x << "," << s.second.y << ")");
            if (it != expected.end()) { expected.erase(it); }
        }
    }
}

TEST_CASE("viz: marching squares on single cells, worked by hand")
{
    // Only corner (0,0) above: cut across the bottom and left edges.
    check_segments(contour_lines(unit_cell(1, 0, 0, 0), 0.5), {{{0.5, 0}, {0, 0.5}}});
    // Interpolation is linear along the edge: 3 -> 0 crosses 1 at 2/3.
    check_segments(contour_lines(unit_cell(3, 0, 0, 3), 1.0), {{{2.0 / 3.0, 0}, {2.0 / 3.0, 1}}});
    // Only (1,1) below: cut across the right and top edges.
    check_segments(contour_lines(unit_cell(1, 1, 0, 1), 0.25), {{{1, 0.75}, {0.75, 1}}});
    // All above or all below: nothing.
    CHECK(contour_lines(unit_cell(1, 2, 3, 4), 0.5).empty());
    CHECK(contour_lines(unit_cell(1, 2, 3, 4), 5.0).empty());
}

TEST_CASE("viz: marching squares resolves saddle case 5 (corners (0,0) and (1,1) high) by the centre")
{
    const grid g = unit_cell(1, 0, 1, 0);  // centre (mean) 0.5
    // Level 0.4: the centre is high, the high corners join, the low corners (1,0) and (0,1) are cut off.
    check_segments(contour_lines(g, 0.4), {{{0.6, 0}, {1, 0.4}}, {{0.4, 1}, {0, 0.6}}});
    // Level 0.6: the centre is low, the high corners (0,0) and (1,1) are cut off.
    check_segments(contour_lines(g, 0.6), {{{0.4, 0}, {0, 0.4}}, {{1, 0.6}, {0.6, 1}}});
}

TEST_CASE("viz: marching squares resolves saddle case 10 (corners (1,0) and (0,1) high) by the centre")
{
    const grid g = unit_cell(0, 1, 0, 1);
    // Level 0.4: centre high, the low corners (0,0) and (1,1) are cut off.
    check_segments(contour_lines(g, 0.4), {{{0.4, 0}, {0, 0.4}}, {{1, 0.6}, {0.6, 1}}});
    // Level 0.6: centre low, the high corners (1,0) and (0,1) are cut off.
    check_segments(contour_lines(g, 0.6), {{{0.6, 0}, {1, 0.4}}, {{0.4, 1}, {0, 0.6}}});
}

TEST_CASE("viz: segments are joined into closed loops and open lines")
{
    // A single peak in the middle of a 3 x 3 grid: a closed diamond.
    const grid peak = make_grid({0, 1, 2}, {0, 1, 2}, {{0, 0, 0}, {0, 1, 0}, {0, 0, 0}});
    const auto loops = contour_lines(peak, 0.5);
    REQUIRE(loops.size() == 1);
    CHECK(loops[0].closed);
    REQUIRE(loops[0].points.size() == 4);
    for (const point p : {point{0.5, 1}, point{1, 0.5}, point{1.5, 1}, point{1, 1.5}})
    {
        CHECK(std::any_of(loops[0].points.begin(), loops[0].points.end(), [&](point q) { return near(p, q); }));
    }
    // A ramp in x: one open line across the whole grid, in order.
    const grid ramp = sample_grid({0, 4}, 5, {0, 3}, 4, [](double x, double) { return x; });
    const auto lines = contour_lines(ramp, 2.5);
    REQUIRE(lines.size() == 1);
    CHECK_FALSE(lines[0].closed);
    REQUIRE(lines[0].points.size() == 4);
    for (std::size_t k = 0; k < 4; ++k) { CHECK(lines[0].points[k].x == doctest::Approx(2.5)); }
    const bool ascending = lines[0].points.front().y < lines[0].points.back().y;
    for (std::size_t k = 1; k < 4; ++k) { CHECK((lines[0].points[k].y > lines[0].points[k - 1].y) == ascending); }
}

TEST_CASE("viz: the contour of a radial function is a circle")
{
    const grid g = sample_grid({-2, 2}, 81, {-2, 2}, 81, [](double x, double y) { return std::hypot(x, y); });
    for (double r : {0.5, 1.0, 1.7})
    {
        const auto lines = contour_lines(g, r);
        REQUIRE(lines.size() == 1);
        CHECK(lines[0].closed);
        CHECK(lines[0].points.size() > 20);
        double area = 0.0;
        const auto& p = lines[0].points;
        for (std::size_t k = 0; k < p.size(); ++k)
        {
            CHECK(std::hypot(p[k].x, p[k].y) == doctest::Approx(r).epsilon(1e-3));
            const auto& q = p[(k + 1) % p.size()];
            area += p[k].x * q.y - q.x * p[k].y;
        }
        // The inscribed polygon's area, within 1% of the disc's.
        CHECK(std::abs(area) / 2.0 == doctest::Approx(std::numbers::pi * r * r).epsilon(0.01));
    }
}

TEST_CASE("viz: cells touching a non-finite value are skipped")
{
    grid g = sample_grid({-2, 2}, 41, {-2, 2}, 41, [](double x, double y) { return std::hypot(x, y); });
    const auto whole = contour_lines(g, 1.0);
    REQUIRE(whole.size() == 1);
    // Knock out the value at (1, 0), which lies on the circle: the loop opens.
    g.z[30 * 41 + 20] = std::nan("");
    const auto broken = contour_lines(g, 1.0);
    REQUIRE(broken.size() == 1);
    CHECK_FALSE(broken[0].closed);
    for (const auto& pt : broken[0].points)
    {
        CHECK(std::isfinite(pt.x));
        CHECK(std::isfinite(pt.y));
        CHECK(std::hypot(pt.x, pt.y) == doctest::Approx(1.0).epsilon(5e-3));
    }
    g.z.assign(g.z.size(), std::numeric_limits<double>::infinity());
    CHECK(contour_lines(g, 1.0).empty());
}

TEST_CASE("viz: regions above a level are closed and nest")
{
    const grid g = sample_grid({-2, 2}, 41, {-2, 2}, 41, [](double x, double y) { return -std::hypot(x, y); });
    // Above -1: the disc of radius 1, inside the grid.
    const auto disc = contour_region(g, -1.0);
    REQUIRE(disc.size() == 1);
    CHECK(disc[0].closed);
    // Above -3, every value (the corners are at -2.83): the region is the whole grid, bounded by its border.
    const auto all = contour_region(g, -3.0);
    REQUIRE(all.size() == 1);
    CHECK(all[0].closed);
    for (const auto& p : all[0].points)
    {
        CHECK((std::abs(std::abs(p.x) - 2.0) < 1e-12 || std::abs(std::abs(p.y) - 2.0) < 1e-12));
    }
    // Above -2.2: the disc is cut by the grid's edges and closed along them.
    const auto cut = contour_region(g, -2.2);
    REQUIRE(cut.size() == 1);
    CHECK(cut[0].closed);
    for (const auto& p : cut[0].points)
    {
        CHECK(std::abs(p.x) <= 2.0 + 1e-12);
        CHECK(std::abs(p.y) <= 2.0 + 1e-12);
    }
}

TEST_CASE("viz: level choice")
{
    const auto lin = linear_levels(0, 10, 4);
    CHECK(lin == std::vector<double>{2, 4, 6, 8});
    const auto lg = log_levels(0.01, 1e4, 5);
    REQUIRE(lg.size() == 5);
    CHECK(lg[0] == doctest::Approx(0.1));
    CHECK(lg[2] == doctest::Approx(10.0));
    CHECK(lg[4] == doctest::Approx(1000.0));
    CHECK_THROWS_AS(log_levels(0, 10, 3), std::invalid_argument);
    CHECK_THROWS_AS(linear_levels(1, 1, 3), std::invalid_argument);
    // Log levels over a grid use its positive values only.
    const grid g = make_grid({0, 1}, {0, 1}, {{0, 0.01}, {1, 1e4}});
    const auto a = auto_levels(g, 5, level_spacing::log);
    CHECK(a.front() == doctest::Approx(0.1));
    CHECK(a.back() == doctest::Approx(1000.0));
}

TEST_CASE("viz: grid validation names the argument")
{
    CHECK_THROWS_WITH_AS(make_grid({0, 1}, {0, 1}, {{0, 1}}), doctest::Contains("z must have x.size() = 2 rows"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(make_grid({0, 1}, {1, 0}, {{0, 1}, {2, 3}}), doctest::Contains("y[1]"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(make_grid({0}, {0, 1}, {{0, 1}}), doctest::Contains("x must have at least 2 points"),
                         std::invalid_argument);
    grid g{{0, 1}, {0, 1}, {1, 2, 3}};
    CHECK_THROWS_WITH_AS(contour_lines(g, 1.0), doctest::Contains("got 3"), std::invalid_argument);
    CHECK_THROWS_AS(contour_lines(unit_cell(0, 1, 0, 1), std::nan("")), std::invalid_argument);
    contour_options o;
    o.levels = {1.0, 0.5};
    CHECK_THROWS_WITH_AS(contour_map(unit_cell(0, 1, 0, 1), o), doctest::Contains("levels[1]"), std::invalid_argument);
}

TEST_CASE("viz: a contour map with missing values is well-formed SVG without NaN")
{
    grid g = sample_grid({-20, 20}, 60, {-20, 20}, 60,
                         [](double a, double b) { return (a - 3.5) * (a - 3.5) + (b - 5) * (b - 5) / 3 + 0.08; });
    g.z[10 * 60 + 10] = std::nan("");
    g.z[11 * 60 + 40] = -std::numeric_limits<double>::infinity();
    contour_options o;
    o.title = "MSE <log levels>";
    o.x_label = "theta0";
    o.y_label = "theta1";
    o.spacing = level_spacing::log;
    o.level_count = 10;
    const std::string svg = contour_map(g, o);
    CHECK(svg.find("nan") == std::string::npos);
    CHECK(svg.find("inf") == std::string::npos);
    // One filled region per level, in a group that sets their fill rule once.
    CHECK(count(svg, "fill-rule=\"evenodd\"") == 1);
    const std::regex bands("<g transform=\"scale\\(\\.01\\)\" fill-rule=\"evenodd\" stroke=\"none\">([\\s\\S]*?)</g>");
    std::smatch m;
    REQUIRE(std::regex_search(svg, m, bands));
    CHECK(count(m[1].str(), "<path d=") == 10);
    CHECK(count(svg, "fill=\"#d0d0d0\"") == 1);  // the group of missing cells
    const auto file = write_output("contour_map.svg", svg);
    CHECK(xml_well_formed(file));
    o.filled = false;
    const auto lines_file = write_output("contour_lines.svg", contour_map(g, o));
    CHECK(xml_well_formed(lines_file));
}

namespace
{
    // The frame contour_background draws in: the whole width x height picture over g's range.
    frame background_frame(const grid& g, double width, double height)
    {
        svg_writer scratch(width, height);
        axis_options ax;
        ax.nice = false;
        ax.grid = false;
        return make_frame(scratch, {0, 0, width, height}, {g.x.front(), g.x.back()}, {g.y.front(), g.y.back()}, ax);
    }

    // The contour paths in the frame's pixels, rounded as path_data writes them.
    std::vector<std::vector<point>> rounded_pixels(const frame& f, const std::vector<contour_path>& paths)
    {
        std::vector<std::vector<point>> out;
        for (const auto& p : paths)
        {
            out.emplace_back();
            for (const auto& q : p.points) { out.back().push_back(rounded_as_written(f.to_px(q.x, q.y))); }
        }
        return out;
    }
}

TEST_CASE("viz: compact bands and lines are marching squares' regions and lines, point for point")
{
    // A bowl centred in the grid: each region {z >= level} is the whole picture less an ellipse,
    // a border of four straight runs and a hole.
    const grid g = sample_grid({-2, 2}, 61, {-2, 2}, 61, [](double x, double y) { return std::hypot(x, y); });
    contour_options co;
    co.levels = {0.5, 1.0, 1.5};
    const double width = 600, height = 450;
    const std::string svg = contour_background(g, co, width, height);
    const auto ds = path_d_attributes(svg);
    REQUIRE(ds.size() == 2 * co.levels.size());  // a region, then a line, per level
    const frame f = background_frame(g, width, height);
    for (std::size_t k = 0; k < co.levels.size(); ++k)
    {
        CAPTURE(co.levels[k]);
        // The region: its border as four corners, its hole traced through every crossing.
        const auto region = contour_region(g, co.levels[k]);
        const auto band = parse_path_data(ds[k], 0.01);
        REQUIRE(region.size() == 2);
        REQUIRE(band.size() == 2);
        const auto expected = rounded_pixels(f, region);
        for (std::size_t s = 0; s < 2; ++s)
        {
            CHECK(band[s].closed);
            CHECK(traces(expected[s], band[s].points, true));
        }
        const std::size_t border = band[0].points.size() == 4 ? 0 : 1;
        CHECK(band[border].points.size() == 4);
        CHECK(std::abs(signed_area(band[border].points)) == doctest::Approx(width * height));
        // The band's area under the even-odd rule: the picture less the hole, an ellipse of
        // the level's radius in pixels (within the inscribed polygon's shortfall).
        const double rx = co.levels[k] / 4.0 * width, ry = co.levels[k] / 4.0 * height;
        const double hole = std::abs(signed_area(band[1 - border].points));
        CHECK(hole == doctest::Approx(std::numbers::pi * rx * ry).epsilon(0.01));
        CHECK(std::abs(signed_area(band[1 - border].points))
              == doctest::Approx(std::abs(signed_area(expected[1 - border]))));
        // The line: one closed loop through the same crossings.
        const auto line = contour_lines(g, co.levels[k]);
        const auto drawn = parse_path_data(ds[co.levels.size() + k], 0.01);
        REQUIRE(line.size() == 1);
        REQUIRE(drawn.size() == 1);
        CHECK(drawn[0].closed);
        CHECK(traces(rounded_pixels(f, line)[0], drawn[0].points, true));
    }
    // Much shorter than the same paths written by path_data.
    std::size_t plain = 0, compact = 0;
    for (std::size_t k = 0; k < co.levels.size(); ++k)
    {
        std::vector<std::vector<point>> px;
        for (const auto& p : contour_region(g, co.levels[k]))
        {
            px.emplace_back();
            for (const auto& q : p.points) { px.back().push_back(f.to_px(q.x, q.y)); }
        }
        plain += path_data(px, true).size();
        compact += ds[k].size();
    }
    CHECK(static_cast<double>(compact) < 0.5 * static_cast<double>(plain));
}

TEST_CASE("viz: a band cut by the plot's edges keeps its corners")
{
    // A ramp in x + y, its level between the grid's diagonals: the region above it is the
    // triangle beyond a straight cut, bounded by two edges of the picture. Every crossing falls
    // on a whole or half ten of pixels, so the rounded cut is exactly straight.
    const grid g = sample_grid({0, 1}, 41, {0, 1}, 41, [](double x, double y) { return x + y; });
    contour_options co;
    co.levels = {1.0125};
    co.lines = false;
    const std::string svg = contour_background(g, co, 400, 400);
    const auto ds = path_d_attributes(svg);
    REQUIRE(ds.size() == 1);
    const auto band = parse_path_data(ds[0], 0.01);
    REQUIRE(band.size() == 1);
    const frame f = background_frame(g, 400, 400);
    CHECK(traces(rounded_pixels(f, contour_region(g, co.levels[0]))[0], band[0].points, true));
    // Three vertices: where the cut meets the top edge (5, 0) and the right edge (400, 395), and
    // the picture's top right corner between them.
    REQUIRE(band[0].points.size() == 3);
    for (const point p : {point{5, 0}, point{400, 0}, point{400, 395}})
    {
        CHECK(std::any_of(band[0].points.begin(), band[0].points.end(),
                          [&](point q) { return std::abs(q.x - p.x) < 1e-9 && std::abs(q.y - p.y) < 1e-9; }));
    }
    CHECK(std::abs(signed_area(band[0].points)) == doctest::Approx(395.0 * 395.0 / 2.0));
}
