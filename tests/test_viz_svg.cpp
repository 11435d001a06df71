// The SVG writer: escaping, number formatting, well-formed output, and that no
// non-finite number can reach a picture.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>

#include <doctest/doctest.h>

#include "viz_test_support.hpp"
#include "xoptim/viz/svg.hpp"

using namespace xoptim::viz;
using namespace xoptim_viz_test;

TEST_CASE("viz: xml_escape replaces the five special characters")
{
    CHECK(xml_escape("a<b & c>\"d\" 'e'") == "a&lt;b &amp; c&gt;&quot;d&quot; &apos;e&apos;");
    CHECK(xml_escape("plain text") == "plain text");
    CHECK(xml_escape("&amp;") == "&amp;amp;");
}

TEST_CASE("viz: format_number is compact and refuses non-finite values")
{
    CHECK(format_number(1.0) == "1");
    CHECK(format_number(1.5) == "1.5");
    CHECK(format_number(2.345) == "2.35");  // 2.345 is stored as 2.34500000000000019984
    CHECK(format_number(-0.001) == "0");    // no "-0"
    CHECK(format_number(-12.3456, 3) == "-12.346");
    CHECK(format_number(100.0) == "100");
    CHECK(format_number(1e6 + 0.25) == "1000000.25");
    CHECK_THROWS_AS(format_number(std::nan("")), std::invalid_argument);
    CHECK_THROWS_AS(format_number(std::numeric_limits<double>::infinity()), std::invalid_argument);
    CHECK_THROWS_AS(format_number(1.0, -1), std::invalid_argument);
}

TEST_CASE("viz: format_full reads back to the same double")
{
    std::mt19937_64 rng(20240611);
    for (int k = 0; k < 2000; ++k)
    {
        // Random bit patterns cover every exponent; skip the non-finite ones.
        const std::uint64_t bits = rng();
        double v;
        std::memcpy(&v, &bits, sizeof v);
        if (!std::isfinite(v)) { continue; }
        const std::string s = format_full(v);
        CHECK(s.size() <= 24);
        CHECK(std::strtod(s.c_str(), nullptr) == v);
    }
    CHECK(format_full(0.1) == "0.1");
    CHECK(format_full(1.0 / 3.0) == "0.3333333333333333");
    CHECK(format_full(std::nan("")) == "nan");
    CHECK(format_full(-std::numeric_limits<double>::infinity()) == "-inf");
}

TEST_CASE("viz: attributes refuse NaN and infinity")
{
    CHECK_THROWS_AS(attr("x", std::nan("")), std::invalid_argument);
    CHECK_THROWS_AS(attr("x", std::numeric_limits<double>::infinity()), std::invalid_argument);
    CHECK(attr("x", 3).value == "3");
    CHECK(attr("x", 0.126).value == "0.13");  // two decimals
    CHECK(attr("x", 0.125).value == "0.12");  // an exact tie rounds to even
    CHECK(attr("fill", "red").value == "red");
    svg_writer svg(10, 10);
    CHECK_THROWS_AS(svg.circle(std::nan(""), 1, 1), std::invalid_argument);
    CHECK_THROWS_AS(svg_writer(0, 10), std::invalid_argument);
    CHECK_THROWS_AS(svg_writer(10, std::nan("")), std::invalid_argument);
}

TEST_CASE("viz: the writer produces well-formed SVG with escaped text")
{
    svg_writer svg(200, 100);
    const std::string clip = svg.clip_rect(10, 10, 180, 80);
    CHECK(clip.rfind("url(#clip", 0) == 0);
    svg.group({{"clip-path", clip}, {"data-note", "a \"quoted\" <value> & more"}});
    svg.polyline({{0, 0}, {50, 25.5}, {100, 80}}, {{"fill", "none"}, {"stroke", "black"}});
    svg.path(path_data({{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}}), {{"stroke", "red"}});
    svg.text(20, 50, "x < y & \"z\" > 'w'");
    // Closing is left to str(): the writer closes what is open.
    const std::string doc = svg.str();
    CHECK(doc.find("x &lt; y &amp; &quot;z&quot; &gt; &apos;w&apos;") != std::string::npos);
    CHECK(doc.find("d=\"M1,2 L3,4 M5,6 L7,8\"") != std::string::npos);
    const auto file = write_output("svg_writer.svg", doc);
    REQUIRE(xml_well_formed(file));
    // The parser reads the text back exactly as given.
    CHECK(xpath(file, "string(//*[local-name()='text'])") == "x < y & \"z\" > 'w'");
    CHECK(xpath(file, "string(//*[local-name()='g']/@data-note)") == "a \"quoted\" <value> & more");
    // The document can still be extended after str().
    svg.close();
    CHECK_THROWS_AS(svg.close(), std::logic_error);  // only the root is left
    CHECK(svg.fragment().rfind("<svg", 0) == 0);
}

TEST_CASE("viz: a malformed document is caught by the parser used in these tests")
{
    // Guards the check itself: xml_well_formed must be able to fail.
    const auto file = write_output("malformed.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"><g></svg>");
    CHECK_FALSE(xml_well_formed(file));
}

TEST_CASE("svg_writer::shared_definition writes a definition once per content and returns its id")
{
    svg_writer svg(100, 100);
    int written = 0;
    auto define = [&](const std::string& id) {
        ++written;
        svg.open("defs");
        svg.element("path", {{"id", id}, {"d", "M0 0 10 10"}});
        svg.close();
    };
    const std::string a = svg.shared_definition("line 0 0 10 10", "geom", define);
    const std::string b = svg.shared_definition("line 0 0 10 10", "geom", define);
    const std::string c = svg.shared_definition("line 0 0 20 20", "geom", define);
    CHECK(a == b);
    CHECK(a != c);
    CHECK(a.rfind("geom", 0) == 0);
    CHECK(written == 2);
    const std::string doc = svg.str();
    CHECK(doc.find("id=\"" + a + "\"") != std::string::npos);
    CHECK(doc.find("id=\"" + c + "\"") != std::string::npos);
    // Ids stay unique beside those unique_id hands out.
    CHECK(svg.unique_id("geom") != a);
    CHECK(svg.unique_id("geom") != c);
}
