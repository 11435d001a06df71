// Scales, nice ticks, tick labels and colours of the visualisation module.
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "xoptim/viz/axes.hpp"
#include "xoptim/viz/colour.hpp"
#include "xoptim/viz/scale.hpp"

using namespace xoptim::viz;

TEST_CASE("viz: nice_step picks 1, 2 or 5 times a power of ten")
{
    CHECK(nice_step(0.13) == doctest::Approx(0.2));
    CHECK(nice_step(0.2) == doctest::Approx(0.2));
    CHECK(nice_step(3.1) == doctest::Approx(5.0));
    CHECK(nice_step(6.67) == doctest::Approx(10.0));
    CHECK(nice_step(1.0) == doctest::Approx(1.0));
    CHECK(nice_step(1.4e-7) == doctest::Approx(2e-7));
    CHECK_THROWS_AS(nice_step(0.0), std::invalid_argument);
    CHECK_THROWS_AS(nice_step(std::nan("")), std::invalid_argument);
}

TEST_CASE("viz: nice_ticks for several ranges")
{
    CHECK(nice_ticks(0, 1, 5) == std::vector<double>{0, 0.2, 0.4, 0.6, 0.8, 1});  // 0.6 exactly, not 0.6000000000000001
    CHECK(nice_ticks(0, 100, 5) == std::vector<double>{0, 20, 40, 60, 80, 100});
    CHECK(nice_ticks(-20, 20, 6) == std::vector<double>{-20, -10, 0, 10, 20});
    CHECK(nice_ticks(0.013, 0.087, 5) == std::vector<double>{0.02, 0.04, 0.06, 0.08});
    CHECK(nice_ticks(-7.3, -2.1, 5) == std::vector<double>{-6, -4});
    CHECK(nice_ticks(1e6, 5e6, 4) == std::vector<double>{1e6, 2e6, 3e6, 4e6, 5e6});
    // A zero-width range is widened around the value.
    CHECK(nice_ticks(3, 3, 5) == std::vector<double>{2.8, 3.0, 3.2});
    CHECK(nice_ticks(0, 0, 4) == std::vector<double>{-1.0, -0.5, 0.0, 0.5, 1.0});
    CHECK_THROWS_AS(nice_ticks(1, 0), std::invalid_argument);
    CHECK_THROWS_AS(nice_ticks(0, INFINITY), std::invalid_argument);
    CHECK_THROWS_AS(nice_ticks(0, 1, 0), std::invalid_argument);
}

TEST_CASE("viz: nice_range and nice_log_range widen outwards")
{
    auto r = nice_range(0.013, 0.087, 5);
    CHECK(r.first == 0.0);
    CHECK(r.second == doctest::Approx(0.1));
    r = nice_range(-19.2, 18.7, 6);
    CHECK(r.first == -20.0);
    CHECK(r.second == 20.0);
    r = nice_log_range(0.03, 250);
    CHECK(r.first == doctest::Approx(0.01));
    CHECK(r.second == doctest::Approx(1000));
    r = nice_log_range(10, 10);
    CHECK(r.first == doctest::Approx(1));
    CHECK(r.second == doctest::Approx(100));
    CHECK_THROWS_AS(nice_log_range(0, 1), std::invalid_argument);
}

TEST_CASE("viz: log_ticks")
{
    const auto t = log_ticks(1e-3, 1e3);
    REQUIRE(t.size() == 7);
    for (std::size_t k = 0; k < t.size(); ++k)
    {
        CHECK(t[k] == doctest::Approx(std::pow(10.0, static_cast<double>(k) - 3.0)));
    }
    // Sixteen decades thinned to every third power.
    const auto many = log_ticks(1e-8, 1e8, 8);
    REQUIRE(many.size() == 6);
    CHECK(many[0] == doctest::Approx(1e-8));
    CHECK(many[1] == doctest::Approx(1e-5));
    CHECK(many[5] == doctest::Approx(1e7));
    // Fewer than three powers inside: 1-2-5.
    const auto few = log_ticks(1, 50);
    REQUIRE(few.size() == 6);
    CHECK(few[1] == doctest::Approx(2));
    CHECK(few[5] == doctest::Approx(50));
    CHECK_THROWS_AS(log_ticks(-1, 10), std::invalid_argument);
}

TEST_CASE("viz: linear and log scales map, invert and refuse what they cannot place")
{
    const auto lin = scale::linear(-20, 20, 100, 500);
    CHECK(lin(-20) == doctest::Approx(100));
    CHECK(lin(0) == doctest::Approx(300));
    CHECK(lin(10) == doctest::Approx(400));
    CHECK(lin.invert(200) == doctest::Approx(-10));
    CHECK(std::isnan(lin(std::nan(""))));
    CHECK_FALSE(lin.accepts(INFINITY));

    // A y axis: data up, pixels down.
    const auto lg = scale::log(1, 1000, 300, 0);
    CHECK(lg(1) == doctest::Approx(300));
    CHECK(lg(10) == doctest::Approx(200));
    CHECK(lg(100) == doctest::Approx(100));
    CHECK(lg(1000) == doctest::Approx(0));
    CHECK(lg(std::sqrt(10.0)) == doctest::Approx(250));
    CHECK(lg.invert(150) == doctest::Approx(std::pow(10.0, 1.5)));
    CHECK(lg(1e4) == doctest::Approx(-100));  // outside the domain still maps (the frame clips)
    CHECK_FALSE(lg.accepts(0.0));
    CHECK_FALSE(lg.accepts(-5.0));
    CHECK(std::isnan(lg(0.0)));
    CHECK(std::isnan(lg(-5.0)));

    CHECK_THROWS_AS(scale::log(0, 10, 0, 1), std::invalid_argument);
    CHECK_THROWS_AS(scale::linear(2, 2, 0, 1), std::invalid_argument);
    CHECK_THROWS_AS(scale::linear(0, 1, 0, std::nan("")), std::invalid_argument);
}

TEST_CASE("viz: tick labels")
{
    CHECK(tick_label(0.2, 0.2) == "0.2");
    CHECK(tick_label(0.6000000000000001, 0.2) == "0.6");
    CHECK(tick_label(1e-17, 0.2) == "0");
    CHECK(tick_label(-0.5, 0.25) == "-0.5");
    CHECK(tick_label(-0.75, 0.25) == "-0.75");
    CHECK(tick_label(15, 5) == "15");
    CHECK(tick_label(2e6, 1e6) == "2e6");
    CHECK(tick_label(2.5e6, 5e5) == "2.5e6");
    CHECK(tick_label(2e-5, 1e-5) == "2e-5");
    CHECK(log_tick_label(0.001) == "0.001");
    CHECK(log_tick_label(0.02) == "0.02");
    CHECK(log_tick_label(100) == "100");
    CHECK(log_tick_label(1e-4) == "1e-4");
    CHECK(log_tick_label(1e5) == "1e5");
    CHECK_THROWS_AS(log_tick_label(0), std::invalid_argument);
    CHECK_THROWS_AS(tick_label(1, 0), std::invalid_argument);
}

TEST_CASE("viz: viridis end points, middle, and increasing lightness")
{
    CHECK(viridis(0.0).hex() == "#440154");
    CHECK(viridis(1.0).hex() == "#fde725");
    CHECK(viridis(128.0 / 255.0).hex() == "#21918c");
    CHECK(viridis(-3.0) == viridis(0.0));
    CHECK(viridis(7.0) == viridis(1.0));
    CHECK(viridis(std::nan("")) == viridis(0.5));
    double prev = -1.0;
    for (int k = 0; k <= 40; ++k)
    {
        const rgb c = viridis(k / 40.0);
        const double luma = 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b;
        CHECK(luma > prev);
        prev = luma;
    }
}

TEST_CASE("viz: the colour cycle")
{
    CHECK(cycle_colour(0).hex() == "#0072b2");
    CHECK(cycle_colour(1).hex() == "#d55e00");
    CHECK(cycle_colour(8) == cycle_colour(0));
    CHECK(cycle_dash(0).empty());
    CHECK_FALSE(cycle_dash(8).empty());
    CHECK(cycle_dash(8) != cycle_dash(16));
    for (std::size_t i = 0; i < 8; ++i)
    {
        for (std::size_t j = i + 1; j < 8; ++j) { CHECK(cycle_colour(i) != cycle_colour(j)); }
    }
    CHECK(rgb{255, 128, 0}.shaded(0.5).hex() == "#804000");
}

TEST_CASE("viz: panel_layout splits a figure into equal panels")
{
    const auto p = panel_layout({10, 20, 620, 410}, 2, 3, 10);
    REQUIRE(p.size() == 6);
    CHECK(p[0].x == 10);
    CHECK(p[0].y == 20);
    CHECK(p[0].width == doctest::Approx(200));
    CHECK(p[0].height == doctest::Approx(200));
    CHECK(p[2].x == doctest::Approx(430));  // third column
    CHECK(p[3].y == doctest::Approx(230));  // second row
    CHECK(p[5].right() == doctest::Approx(630));
    CHECK(p[5].bottom() == doctest::Approx(430));
    CHECK_THROWS_AS(panel_layout({0, 0, 100, 100}, 0, 1), std::invalid_argument);
    CHECK_THROWS_AS(panel_layout({0, 0, 100, 100}, 1, 3, 60), std::invalid_argument);
}
