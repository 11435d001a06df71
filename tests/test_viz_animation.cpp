// Animation: the elements are present, share one timeline, and the static
// picture shows the final frame and the whole path.
#include <cmath>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "viz_test_support.hpp"
#include "xoptim/viz/animation.hpp"
#include "xoptim/viz/chart.hpp"
#include "xoptim/viz/contour.hpp"

using namespace xoptim::viz;
using namespace xoptim_viz_test;

TEST_CASE("viz: frame_indices and key_times")
{
    CHECK(frame_indices(101, 5) == std::vector<std::size_t>{0, 25, 50, 75, 100});
    CHECK(frame_indices(3, 5) == std::vector<std::size_t>{0, 1, 1, 2, 2});  // llround(0.5) = 1, llround(1.5) = 2
    CHECK(frame_indices(1, 3) == std::vector<std::size_t>{0, 0, 0});
    CHECK_THROWS_AS(frame_indices(0, 3), std::invalid_argument);
    CHECK_THROWS_AS(frame_indices(3, 1), std::invalid_argument);
    CHECK(key_times({5, 2.0, false}) == "0;0.25;0.5;0.75;1");
    CHECK(key_times({4, 2.0, true}) == "0;0.25;0.5;0.75");
    CHECK_THROWS_AS(key_times({5, 0.0, false}), std::invalid_argument);
}

TEST_CASE("viz: an animated figure has its animations, in step, over a useful static picture")
{
    // Gradient descent on f(a, b) = a^2 + 4 b^2 from (-8, 3), learning rate 0.1.
    std::vector<double> a{-8.0}, b{3.0}, loss;
    for (int k = 0; k < 30; ++k)
    {
        a.push_back(a.back() - 0.1 * 2.0 * a.back());
        b.push_back(b.back() - 0.1 * 8.0 * b.back());
    }
    for (std::size_t k = 0; k < a.size(); ++k) { loss.push_back(a[k] * a[k] + 4 * b[k] * b[k]); }
    const grid g = sample_grid({-10, 10}, 41, {-5, 5}, 41, [](double x, double y) { return x * x + 4 * y * y; });
    const timeline t{11, 4.0, false};

    svg_writer svg(900, 400);
    contour_options co;
    co.title = "path";
    const frame map = draw_contour_map(svg, {0, 0, 450, 400}, g, co);
    animated_path(svg, map, a, b, t);
    animated_marker(svg, map, a, b, t);
    chart_options lo;
    lo.log_y = true;
    lo.legend = false;
    const frame chart = draw_chart(svg, {450, 0, 450, 400}, {iteration_series("loss", loss)}, lo);
    std::vector<double> iteration(a.size());
    for (std::size_t k = 0; k < a.size(); ++k) { iteration[k] = static_cast<double>(k); }
    animated_cursor(svg, chart, iteration, t);
    std::vector<std::string> labels;
    for (std::size_t k = 0; k < a.size(); ++k) { labels.push_back("iteration " + std::to_string(k)); }
    animated_text(svg, 600, 40, labels, t);
    const std::string doc = svg.str();
    const auto file = write_output("animated.svg", doc);
    REQUIRE(xml_well_formed(file));

    // marker cx, cy; path dash offset; 11 text visibilities; the cursor moves sideways.
    CHECK(xpath(file, "count(//*[local-name()='animate'])") == std::to_string(2 + 1 + 11));
    CHECK(xpath(file, "count(//*[local-name()='animate'][@repeatCount='indefinite'][@dur='4s'][@begin='0s'])")
          == std::to_string(2 + 1 + 11));
    CHECK(xpath(file, "count(//*[local-name()='animateTransform'][@type='translate'][@dur='4s'])") == "1");
    // Every value list has one entry per frame.
    const std::regex values("<animate(Transform)? attributeName=\"(cx|cy|transform|stroke-dashoffset)\" "
                            "(type=\"translate\" )?values=\"([^\"]*)\"");
    int seen = 0;
    for (auto it = std::sregex_iterator(doc.begin(), doc.end(), values); it != std::sregex_iterator(); ++it, ++seen)
    {
        CHECK(count((*it)[4].str(), ";") == t.frames - 1);
    }
    CHECK(seen == 4);
    // The cursor's static place is the last iteration's.
    const std::string moved =
        xpath(file, "string(//*[local-name()='line'][*[local-name()='animateTransform']]/@transform)");
    CHECK(moved == "translate(" + format_number(chart.to_px(30.0, 1.0).x) + ")");

    // Static picture: the marker sits on the last point, the path is drawn in full.
    const point last = map.to_px(a.back(), b.back());
    const std::string cx = xpath(file, "string(//*[local-name()='circle'][*[local-name()='animate']]/@cx)");
    CHECK(std::stod(cx) == doctest::Approx(last.x).epsilon(1e-3));
    CHECK(xpath(file, "string(//*[local-name()='path'][*[local-name()='animate']]/@stroke-dashoffset)") == "0");
    // The path grows: its dash offset falls from the whole length to nearly nothing.
    const std::string offsets = xpath(file, "string(//*[local-name()='path']/*[local-name()='animate']/@values)");
    const double first = std::stod(offsets.substr(0, offsets.find(';')));
    const double final_offset = std::stod(offsets.substr(offsets.rfind(';') + 1));
    CHECK(first > 100.0);
    CHECK(final_offset == doctest::Approx(1.0));  // dash = length + 1
    // Only the last label shows without animation.
    CHECK(xpath(file, "count(//*[local-name()='text'][@visibility='visible'])") == "1");
    CHECK(xpath(file, "normalize-space(//*[local-name()='text'][@visibility='visible'])") == "iteration 30");
}

TEST_CASE("viz: animated fitted line and points that cannot be drawn")
{
    svg_writer svg(400, 300);
    chart_options o;
    o.x_range = range{-1, 1};
    o.y_range = range{-10, 10};
    o.legend = false;
    const frame f = draw_chart(svg, {0, 0, 400, 300}, {iteration_series("dummy", {0.0})}, o);
    const timeline t{4, 2.0, true};
    // The last entry diverges: the line hides in that frame and keeps its last drawable place.
    const double inf = std::numeric_limits<double>::infinity();
    animated_fit_line(svg, f, {0, 1, 2, inf}, {1, 2, 3, 4}, t);
    animated_marker(svg, f, {0, 0.5, std::nan(""), 0.9}, {0, 1, 2, 3}, t);
    const std::string doc = svg.str();
    CHECK(doc.find("nan") == std::string::npos);
    CHECK(doc.find("inf") == std::string::npos);
    CHECK(doc.find("calcMode=\"discrete\"") != std::string::npos);
    CHECK(doc.find("values=\"visible;visible;visible;hidden\"") != std::string::npos);
    CHECK(doc.find("values=\"visible;visible;hidden;visible\"") != std::string::npos);
    const auto file = write_output("animated_fit.svg", doc);
    REQUIRE(xml_well_formed(file));
    // Static line: the third entry, y = 2 + 3 x from x = -1 to 1.
    const std::string y1 = xpath(file, "string(//*[local-name()='line'][*[local-name()='animate']]/@y1)");
    CHECK(std::stod(y1) == doctest::Approx(f.to_px(-1, -1).y).epsilon(1e-3));
    // The line always spans the frame's x range and its left end stays at y = -1 (intercept -
    // slope): an attribute that keeps one value in every frame is not animated.
    CHECK(doc.find("attributeName=\"x1\"") == std::string::npos);
    CHECK(doc.find("attributeName=\"x2\"") == std::string::npos);
    CHECK(doc.find("attributeName=\"y1\"") == std::string::npos);
    CHECK(doc.find("attributeName=\"y2\"") != std::string::npos);

    CHECK_THROWS_AS(animated_marker(svg, f, {1, 2}, {1}, t), std::invalid_argument);
    CHECK_THROWS_AS(animated_path(svg, f, {}, {}, t), std::invalid_argument);
    CHECK_THROWS_AS(animated_marker(svg, f, {1}, {1}, timeline{1, 2.0, false}), std::invalid_argument);
}

TEST_CASE("a discrete timeline holds its last frame in whole frames, with no keyTimes")
{
    timeline t{101, 10.1, true, 1.5};
    CHECK(hold_frames(t) == 15);  // 1.5 s of 0.1 s frames
    CHECK(loop_s(t) == doctest::Approx(11.6));
    CHECK(frame_begin(t, 58) == doctest::Approx(0.5));  // frame 58 of 116 slots
    CHECK_THROWS_WITH_AS(validate_timeline({10, 2.0, false, 1.0}), doctest::Contains("hold_s needs discrete frames"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(validate_timeline({10, 2.0, true, -1.0}), doctest::Contains("hold_s must be finite and >= 0"),
                         std::invalid_argument);

    svg_writer svg(400, 300);
    chart_options o;
    const frame f = draw_chart(svg, {0, 0, 400, 300}, {iteration_series("dummy", {0.0, 1.0})}, o);
    const timeline short_run{3, 3.0, true, 2.0};  // 1 s frames, held 2 more
    animated_marker(svg, f, {0.0, 0.5, 1.0}, {0.0, 0.5, 1.0}, short_run);
    const std::string text = svg.str();
    const std::regex cx("attributeName=\"cx\" values=\"([^\"]*)\" dur=\"5s\" begin=\"0s\" calcMode=\"discrete\"");
    std::smatch m;
    REQUIRE(std::regex_search(text, m, cx));
    const std::string values = m[1].str();
    CHECK(count(values, ";") == 4);  // three frames, the last repeated twice
    std::vector<std::string> entries;
    for (std::size_t a = 0, b = 0; b != std::string::npos; a = b + 1)
    {
        b = values.find(';', a);
        entries.push_back(values.substr(a, b == std::string::npos ? std::string::npos : b - a));
    }
    REQUIRE(entries.size() == 5);
    CHECK(entries[3] == entries[2]);
    CHECK(entries[4] == entries[2]);
    CHECK(entries[1] != entries[2]);
    CHECK(text.find("keyTimes") == std::string::npos);
}

TEST_CASE("animated_points: one dot per drawable iterate, revealed by a mask that grows in step")
{
    svg_writer svg(400, 300);
    chart_options o;
    const frame f = draw_chart(svg, {0, 0, 400, 300}, {iteration_series("dummy", {0.0, 4.0})}, o);
    const timeline t{5, 5.0, true, 0.0};
    animated_points(svg, f, {0.0, 1.0, 2.0, 3.0, 4.0}, {0.0, 1.0, 4.0, 1.0, 0.0}, t, {{"stroke", "#123456"}});
    const std::string text = svg.str();
    CHECK(count(text, "h0") == 5);
    CHECK(count(text, "<mask id=\"reveal") == 1);
    CHECK(count(text, "mask=\"url(#reveal") == 1);
    CHECK(count(text, "attributeName=\"stroke-dashoffset\"") == 1);
    CHECK_THROWS_WITH_AS(animated_points(svg, f, {}, {}, t), doctest::Contains("must not be empty"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(animated_points(svg, f, {1.0}, {1.0}, t, {}, 0.0), doctest::Contains("radius must be"),
                         std::invalid_argument);
}

TEST_CASE("a line, its halo and the mask of its dots are <use>s of one growing stroke")
{
    svg_writer svg(400, 300);
    chart_options o;
    const frame f = draw_chart(svg, {0, 0, 400, 300}, {iteration_series("dummy", {0.0, 4.0})}, o);
    const timeline t{5, 5.0, true, 0.0};
    const std::vector<double> x{0.0, 1.0, 2.0, 3.0, 4.0}, y{0.0, 1.0, 4.0, 1.0, 0.0};
    animated_path(svg, f, x, y, t, {{"stroke", "#ffffff"}, {"stroke-width", 4.5}});
    animated_path(svg, f, x, y, t, {{"stroke", "#123456"}});
    animated_points(svg, f, x, y, t, {{"stroke", "#123456"}});
    // Another path is another definition.
    animated_path(svg, f, y, x, t);
    const std::string text = svg.str();
    CHECK(count(text, "<path id=\"stroke") == 2);
    CHECK(count(text, "attributeName=\"stroke-dashoffset\"") == 2);
    const std::string first = text.substr(text.find("<path id=\"") + 10);
    const std::string id = first.substr(0, first.find('"'));
    CHECK(count(text, "<use href=\"#" + id + "\"") == 3);
    CHECK(text.find("<use href=\"#" + id + "\" stroke=\"#ffffff\" stroke-width=\"4.5\"/>") != std::string::npos);
    CHECK(text.find("<use href=\"#" + id + "\" stroke=\"#123456\"/>") != std::string::npos);
    const auto file = write_output("shared_stroke.svg", text);
    if (have_xmllint()) { CHECK(xml_well_formed(file)); }
    // The definition holds the geometry and the growth, unstroked.
    const std::string def = text.substr(text.find("<path id=\"" + id + "\""));
    CHECK(def.substr(0, def.find('>')).find(" stroke=") == std::string::npos);
}

TEST_CASE("animation_controls: a play button, a scrub bar and their script, for discrete timelines only")
{
    svg_writer svg(600, 100);
    const timeline t{11, 2.2, true, 0.4};
    animation_controls(svg, {10, 60, 400, 26}, t);
    const std::string text = svg.str();
    CHECK(text.find("class=\"controls\" data-frames=\"11\" data-frame-s=\"0.2\"") != std::string::npos);
    CHECK(count(text, "<script>") == 1);
    CHECK(text.find("pauseAnimations") != std::string::npos);
    const auto path = write_output("animation_controls.svg", text);
    if (have_xmllint()) { CHECK(xml_well_formed(path)); }
    CHECK_THROWS_WITH_AS(animation_controls(svg, {0, 0, 400, 26}, {11, 2.2, false, 0.0}),
                         doctest::Contains("must be discrete"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(animation_controls(svg, {0, 0, 40, 26}, t), doctest::Contains("at least 80 x 16"),
                         std::invalid_argument);
}

TEST_CASE("contour_background: the bands and lines alone, shared by maps that show it as an <image>")
{
    const grid g = sample_grid({-1.0, 1.0}, 21, {-1.0, 1.0}, 21, [](double a, double b) { return a * a + 2 * b * b; });
    contour_options co;
    const std::string background = contour_background(g, co);
    CHECK(background.find("class=\"contours\"") != std::string::npos);
    CHECK(background.find("non-scaling-stroke") != std::string::npos);
    CHECK(background.find("<text") == std::string::npos);  // no axes, no colour bar
    co.background = "map.svg";
    svg_writer svg(560, 480);
    draw_contour_map(svg, {0, 0, 560, 480}, g, co);
    const std::string map = svg.str();
    CHECK(map.find("<image href=\"map.svg\"") != std::string::npos);
    CHECK(map.find("preserveAspectRatio=\"none\"") != std::string::npos);
    CHECK(map.find("fill-rule") == std::string::npos);  // no bands of its own
    CHECK(map.find("colour-bar") != std::string::npos);
    CHECK_THROWS_WITH_AS(contour_background(g, co), doctest::Contains("opt.background must be empty"),
                         std::invalid_argument);
}
