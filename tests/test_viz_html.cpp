// The HTML page and the CSV files: well-formed, escaped, self-contained, exact numbers.
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "viz_test_support.hpp"
#include "xoptim/viz/chart.hpp"
#include "xoptim/viz/csv.hpp"
#include "xoptim/viz/html.hpp"

using namespace xoptim::viz;
using namespace xoptim_viz_test;

TEST_CASE("viz: an HTML page with tables and inline SVG is well-formed and escaped")
{
    html_page page("Report <draft> & \"notes\"");
    page.heading(1, "Loss <&\"> surfaces", "top")
        .paragraph("a < b && c > \"d\"")
        .settings_table({{"learning rate", "0.1"}, {"optimizer", "sgd <plain> & simple"}}, "Settings")
        .data_table({"optimizer", "final loss"}, {{"adam", "0.08"}, {"lamb & co", "<none>"}}, "Summary");
    page.begin_row();
    page.figure_inline(line_chart({iteration_series("loss", {3, 2, 1})}, {}), "loss per iteration");
    page.figure_file("figures/surface_mse.svg", "MSE surface");
    page.end_row();
    page.link("summary.csv", "the summary as CSV");
    const std::string html = page.str();
    CHECK(html.find("<title>Report &lt;draft&gt; &amp; &quot;notes&quot;</title>") != std::string::npos);
    CHECK(html.find("<td>lamb &amp; co</td><td>&lt;none&gt;</td>") != std::string::npos);
    CHECK(html.find("<?xml") == std::string::npos);                 // the inline SVG's declaration is dropped
    CHECK(html.find("http://") == html.find("http://www.w3.org"));  // namespaces only, no external URL
    CHECK(html.find("<script") == std::string::npos);
    const auto file = write_output("page.html", html);
    REQUIRE(xml_well_formed(file));
    CHECK(xpath(file, "string(//*[local-name()='p'][1])") == "a < b && c > \"d\"");
    CHECK(xpath(file, "count(//*[local-name()='svg'])") == "1");
    CHECK(xpath(file, "string(//*[local-name()='img']/@src)") == "figures/surface_mse.svg");
    CHECK(std::system(("xmllint --html --noout '" + file.string() + "' 2>/dev/null").c_str()) == 0);

    CHECK_THROWS_AS(page.heading(7, "x"), std::invalid_argument);

    // Two inline charts: each keeps its own clip path, with ids unique in the page.
    html_page two("two charts");
    const std::string chart = line_chart({iteration_series("loss", {3, 2, 1})}, {});
    REQUIRE(chart.find("id=\"clip0\"") != std::string::npos);
    two.figure_inline(chart).figure_inline(chart);
    const auto two_file = write_output("two_charts.html", two.str());
    REQUIRE(xml_well_formed(two_file));
    CHECK(xpath(two_file, "count(//*[@id='f1-clip0'])") == "1");
    CHECK(xpath(two_file, "count(//*[@id='f2-clip0'])") == "1");
    CHECK(xpath(two_file, "count(//*[@clip-path='url(#f2-clip0)'])")
          == xpath(two_file, "count(//*[@clip-path='url(#f1-clip0)'])"));
    CHECK(xpath(two_file, "count(//*[@clip-path='url(#f1-clip0)'])") != "0");
    CHECK(xpath(two_file, "count(//*[@clip-path='url(#clip0)'])") == "0");
    CHECK_THROWS_AS(page.figure_file("https://example.com/a.svg"), std::invalid_argument);
    CHECK_THROWS_AS(page.figure_file("/etc/a.svg"), std::invalid_argument);
    CHECK_THROWS_AS(page.figure_inline("<p>not svg</p>"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(page.data_table({"a", "b"}, {{"1"}}), doctest::Contains("rows[0] must have 2 cells, got 1"),
                         std::invalid_argument);
    CHECK_THROWS_AS(page.end_row(), std::logic_error);
}

TEST_CASE("viz: CSV fields are quoted when needed and numbers read back exactly")
{
    CHECK(csv_escape("plain") == "plain");
    CHECK(csv_escape("a,b") == "\"a,b\"");
    CHECK(csv_escape("say \"hi\"") == "\"say \"\"hi\"\"\"");
    CHECK(csv_escape("two\nlines") == "\"two\nlines\"");
    CHECK(csv_escape(" padded") == "\" padded\"");

    const std::vector<double> third{1.0 / 3.0, 0.1, 1e-300, -2.5e17};
    const std::string text = columns_csv({"iteration", "value"}, {{0, 1, 2, 3}, third});
    std::istringstream in(text);
    std::string line;
    std::getline(in, line);
    CHECK(line == "iteration,value");
    for (double expected : third)
    {
        REQUIRE(std::getline(in, line));
        const auto comma = line.find(',');
        CHECK(std::strtod(line.c_str() + comma + 1, nullptr) == expected);
    }
    CHECK(text.find("0.3333333333333333") != std::string::npos);

    csv_writer w({"optimizer", "lr", "final loss"});
    w.row(std::vector<std::string>{"sgd, plain", "0.1", format_full(0.07999999999999999)});
    w.row(std::vector<double>{1, 2, std::nan("")});
    CHECK(w.rows() == 2);
    CHECK(w.str() == "optimizer,lr,final loss\n\"sgd, plain\",0.1,0.07999999999999999\n1,2,nan\n");
    CHECK_THROWS_WITH_AS(w.row(std::vector<double>{1}), doctest::Contains("must have 3 fields, got 1"),
                         std::invalid_argument);
    CHECK_THROWS_AS(columns_csv({"a", "b"}, {{1, 2}, {1}}), std::invalid_argument);

    const grid g = make_grid({0, 1}, {10, 20, 30}, {{1, 2, 3}, {4, 5, 6}});
    CHECK(grid_csv(g, {"theta0", "theta1", "loss"})
          == "theta0,theta1,loss\n0,10,1\n0,20,2\n0,30,3\n1,10,4\n1,20,5\n1,30,6\n");
}

TEST_CASE("viz: figure_object shows an SVG document that scales with the page and runs its own script")
{
    html_page page("objects");
    page.figure_object("anim.svg", 1100, 854, "one run");
    const std::string html = page.str();
    CHECK(
        html.find("<object data=\"anim.svg\" type=\"image/svg+xml\" style=\"width: 1100px; aspect-ratio: 1100 / 854\">")
        != std::string::npos);
    CHECK(html.find("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>") != std::string::npos);
    CHECK(html.find("max-width: 100%") != std::string::npos);
    CHECK_THROWS_WITH_AS(page.figure_object("/abs/anim.svg", 10, 10), doctest::Contains("relative local path"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(page.figure_object("anim.svg", 0, 10), doctest::Contains("must be finite and > 0"),
                         std::invalid_argument);
}
