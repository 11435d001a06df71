// Line charts, scatter plots and the shaded surface: well-formed, with the
// expected elements, and never a non-finite number in the picture.
#include <cmath>
#include <limits>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "viz_test_support.hpp"
#include "xoptim/viz/chart.hpp"
#include "xoptim/viz/surface.hpp"

using namespace xoptim::viz;
using namespace xoptim_viz_test;

namespace
{
    // True when some attribute value holds "nan" or "inf" in any case.
    bool has_non_finite_attribute(const std::string& svg)
    {
        static const std::regex bad("=\"[^\"]*(nan|inf)[^\"]*\"", std::regex::icase);
        return std::regex_search(svg, bad);
    }
}

TEST_CASE("viz: the non-finite attribute check used below can fail")
{
    CHECK(has_non_finite_attribute("<circle cx=\"-nan\"/>"));
    CHECK(has_non_finite_attribute("<path d=\"M1,2 L inf,3\"/>"));
    CHECK_FALSE(has_non_finite_attribute("<text x=\"1\">infinite</text>"));
}

TEST_CASE("viz: a log-scale line chart skips zero, negative and non-finite values and says so")
{
    std::vector<double> loss;
    for (int i = 0; i < 50; ++i) { loss.push_back(100.0 * std::exp(-0.2 * i)); }
    loss[5] = 0.0;
    loss[6] = -1.0;
    loss[7] = std::numeric_limits<double>::quiet_NaN();
    loss[8] = std::numeric_limits<double>::infinity();
    std::vector<double> diverged(50, std::numeric_limits<double>::infinity());
    chart_options o;
    o.title = "loss & \"friends\" <per iteration>";
    o.x_label = "iteration";
    o.y_label = "loss";
    o.log_y = true;
    const std::string svg = line_chart({iteration_series("gd", loss), iteration_series("diverged", diverged)}, o);
    CHECK_FALSE(has_non_finite_attribute(svg));
    CHECK(svg.find("gd (4 skipped)") != std::string::npos);
    CHECK(svg.find("diverged (all 50 points skipped)") != std::string::npos);
    CHECK(svg.find("54 points not finite or &lt;= 0 left out") != std::string::npos);
    CHECK(svg.find("loss &amp; &quot;friends&quot; &lt;per iteration&gt;") != std::string::npos);
    // The line is broken at the skipped points: two pieces, so two moves ("M", or "m" relative).
    const std::regex path_d("<path d=\"([^\"]*)\"[^>]*stroke=\"#0072b2\"");
    std::smatch m;
    REQUIRE(std::regex_search(svg, m, path_d));
    CHECK(count(m[1].str(), "M") + count(m[1].str(), "m") == 2);
    const auto file = write_output("chart_log.svg", svg);
    CHECK(xml_well_formed(file));
    // Log ticks are powers of ten with plain labels.
    CHECK(xpath(file, "count(//*[local-name()='text'][.='0.001'])") == "1");
    CHECK(xpath(file, "count(//*[local-name()='text'][.='100'])") == "1");
}

TEST_CASE("viz: series colours follow the cycle and the legend sits beside the plot")
{
    std::vector<series> all;
    for (int k = 0; k < 9; ++k)
    {
        all.push_back(iteration_series("s" + std::to_string(k), {1.0 * k, 2.0 * k, 0.5 * k}));
    }
    svg_writer svg(700, 400);
    const frame f = draw_chart(svg, {0, 0, 700, 400}, all, {});
    const std::string doc = svg.str();
    CHECK(count(doc, "stroke=\"#0072b2\"") == 4);  // series 0 and 8 (dashed), each with a legend line
    CHECK(count(doc, "stroke-dasharray=\"6,3\"") == 2);
    // The legend's panel starts right of the plot area.
    const std::regex legend_rect("class=\"legend\"[^>]*>\\s*<rect x=\"([0-9.]+)\"");
    std::smatch m;
    REQUIRE(std::regex_search(doc, m, legend_rect));
    CHECK(std::stod(m[1].str()) > f.area.right());
    CHECK(xml_well_formed(write_output("chart_cycle.svg", doc)));
}

TEST_CASE("viz: chart input is validated")
{
    series bad;
    bad.name = "short";
    bad.x = {1, 2, 3};
    bad.y = {1, 2};
    CHECK_THROWS_WITH_AS(line_chart({bad}), doctest::Contains("x.size() = 3 and y.size() = 2"), std::invalid_argument);
    series empty;
    empty.name = "nothing";
    CHECK_THROWS_WITH_AS(line_chart({empty}), doctest::Contains("'nothing': must not be empty"), std::invalid_argument);
    chart_options tiny;
    tiny.width = 60;
    tiny.height = 40;
    CHECK_THROWS_AS(line_chart({iteration_series("a", {1, 2})}, tiny), std::invalid_argument);
    chart_options log_range;
    log_range.log_y = true;
    log_range.y_range = range{-1, 10};
    CHECK_THROWS_WITH_AS(line_chart({iteration_series("a", {1, 2})}, log_range), doctest::Contains("y range.lo"),
                         std::invalid_argument);
}

TEST_CASE("viz: scatter plot with a fitted line")
{
    std::vector<double> x, y;
    for (int i = 0; i < 20; ++i)
    {
        x.push_back(-1.0 + 0.1 * i);
        y.push_back(5.0 * x.back() + 3.0 + (i % 3) * 0.2);
    }
    series fit;
    fit.name = "least squares";
    fit.x = {-1, 1};
    fit.y = {-1.8, 8.2};
    const std::string svg = scatter_plot(x, y, {fit}, {});
    CHECK(count(svg, "<circle") >= 21);  // 20 points and the legend's dot
    CHECK(svg.find("least squares") != std::string::npos);
    CHECK(xml_well_formed(write_output("scatter.svg", svg)));
}

TEST_CASE("viz: the shaded surface is a well-formed mesh, painted back to front")
{
    const grid g = sample_grid({-20, 20}, 100, {-20, 20}, 100,
                               [](double a, double b) { return (a - 3.5) * (a - 3.5) + (b - 5) * (b - 5) / 3; });
    surface_options o;
    o.title = "MSE";
    o.x_label = "theta0";
    o.y_label = "theta1";
    o.z_label = "loss";
    o.max_cells = 30;
    const std::string svg = surface_plot(g, o);
    // 99 cells per side thinned with step 4: 25 cells per side as paths, and the floor and two walls.
    CHECK(count(svg, "<polygon") == 3);
    CHECK(count(svg, "<path") == 25 * 25);
    CHECK_FALSE(has_non_finite_attribute(svg));
    CHECK(xml_well_formed(write_output("surface.svg", svg)));

    // A hole of missing values removes the quads touching it.
    grid holed = g;
    holed.z[40 * 100 + 40] = std::nan("");
    const std::string with_hole = surface_plot(holed, o);
    CHECK(count(with_hole, "<path") == 25 * 25 - 4);

    // Painter's order: a flat surface seen from the front (azimuth 0) at an elevation;
    // further quads appear higher in the picture and must be painted first.
    {
        const grid flat = sample_grid({0, 1}, 6, {0, 1}, 6, [](double, double) { return 1.0; });
        surface_options f;
        f.azimuth_deg = 0.0;
        f.elevation_deg = 30.0;
        const std::string doc = surface_plot(flat, f);
        std::vector<double> centre_y;
        for (const auto& d : path_d_attributes(doc))
        {
            const auto facet = parse_path_data(d, 0.01);  // in hundredths of a pixel
            REQUIRE(facet.size() == 1);
            double sum = 0.0;
            for (const auto& p : facet[0].points) { sum += p.y; }
            centre_y.push_back(sum / static_cast<double>(facet[0].points.size()));
        }
        REQUIRE(centre_y.size() == 25);
        for (std::size_t k = 1; k < centre_y.size(); ++k) { CHECK(centre_y[k] >= centre_y[k - 1] - 1e-9); }
        CHECK(centre_y.back() > centre_y.front() + 10.0);
    }
    CHECK_THROWS_AS(surface_plot(g,
                                 [] {
                                     surface_options s;
                                     s.elevation_deg = 120;
                                     return s;
                                 }()),
                    std::invalid_argument);
    o.log_z = true;
    CHECK(xml_well_formed(write_output("surface_log.svg", surface_plot(g, o))));  // z = 0 at the optimum is skipped
    grid none = g;
    none.z.assign(none.z.size(), std::nan(""));
    CHECK_THROWS_AS(surface_plot(none, o), std::invalid_argument);
}

namespace
{
    // The points of the first <polygon> of an SVG text ("x,y x,y ...").
    std::vector<point> first_polygon(const std::string& svg)
    {
        const std::regex poly("<polygon points=\"([^\"]*)\"");
        std::smatch m;
        REQUIRE(std::regex_search(svg, m, poly));
        return parse_path_data("M" + m[1].str())[0].points;  // the same numbers as a path's moves and lines
    }
}

TEST_CASE("viz: the surface's compact facets tile the surface exactly")
{
    // A flat surface lies at mid height over the floor, seen in parallel projection: its facets,
    // read back from their compact paths, are four-cornered, closed, and together cover the
    // floor's area (translated up), within what rounding to hundredths of a pixel can change.
    const grid flat = sample_grid({0, 1}, 11, {0, 1}, 9, [](double, double) { return 2.0; });
    for (const bool mesh : {true, false})
    {
        CAPTURE(mesh);
        surface_options o;
        o.mesh_lines = mesh;
        const std::string doc = surface_plot(flat, o);
        const auto floor = first_polygon(doc);
        REQUIRE(floor.size() == 4);
        double total = 0.0;
        const auto ds = path_d_attributes(doc);
        REQUIRE(ds.size() == 10 * 8);
        for (const auto& d : ds)
        {
            const auto facet = parse_path_data(d, 0.01);
            REQUIRE(facet.size() == 1);
            CHECK(facet[0].closed);
            CHECK(facet[0].points.size() == 4);
            total += std::abs(signed_area(facet[0].points));
        }
        CHECK(total == doctest::Approx(std::abs(signed_area(floor))).epsilon(5e-4));
        if (mesh)
        {
            CHECK(count(doc, "color=") == 0);  // a fill and a darker outline per facet
            CHECK(count(doc, "stroke-width=\"35\"") == 1);
        }
        else
        {
            // The facets' shared fill and outline: their own colour, written once per facet.
            CHECK(count(doc, "fill=\"currentColor\" stroke=\"currentColor\"") == 1);
            CHECK(count(doc, " color=\"#") == 10 * 8);
            CHECK(count(doc, "stroke-width=\"60\"") == 1);
        }
        CHECK(xml_well_formed(write_output(mesh ? "surface_flat.svg" : "surface_flat_no_mesh.svg", doc)));
    }
}
