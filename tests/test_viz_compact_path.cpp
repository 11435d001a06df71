// compact_path: the exact text for small cases, and on random polylines the same drawing as
// path_data's (read back by an independent parser: the same points at two decimals, with
// only repeated points and points inside straight runs left out, and the same areas).
#include <cmath>
#include <cstddef>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "viz_test_support.hpp"
#include "xoptim/viz/compact_path.hpp"

using namespace xoptim::viz;
using namespace xoptim_viz_test;

namespace
{
    // A uniform double in [lo, hi) from the generator's top 53 bits (not std::uniform_real_distribution,
    // which differs between standard libraries).
    double uniform(std::mt19937_64& rng, double lo, double hi)
    {
        return lo + (hi - lo) * static_cast<double>(rng() >> 11) * 0x1.0p-53;
    }

    // A polyline that has what the contour maps have: random points, points repeated, runs along a
    // row or a column (like a band's border) and along a diagonal, and points that round together.
    std::vector<point> random_polyline(std::mt19937_64& rng)
    {
        std::vector<point> p;
        const std::size_t n = 2 + rng() % 40;
        while (p.size() < n)
        {
            const point last = p.empty() ? point{uniform(rng, -50, 650), uniform(rng, -50, 500)} : p.back();
            switch (rng() % 7)
            {
            case 5: p.push_back({last.x - static_cast<double>(rng() % 7), last.y}); break;  // back along a row
            case 0: p.push_back(last); break;                                               // a repeat
            case 1: p.push_back({last.x + 0.001, last.y - 0.002}); break;                   // rounds onto it, mostly
            case 2: p.push_back({last.x + static_cast<double>(rng() % 7), last.y}); break;  // along a row
            case 3: p.push_back({last.x, last.y - static_cast<double>(rng() % 5)}); break;  // along a column
            case 4: p.push_back({last.x + 1.25, last.y + 1.25}); break;                     // along a diagonal
            default: p.push_back({uniform(rng, -50, 650), uniform(rng, -50, 500)}); break;
            }
        }
        return p;
    }

    std::vector<point> rounded(const std::vector<point>& p)
    {
        std::vector<point> out;
        for (const auto& q : p) { out.push_back(rounded_as_written(q)); }
        return out;
    }

    // Whether the points of p, rounded, are all the same (the piece draws nothing).
    bool single_point(const std::vector<point>& p)
    {
        const auto r = rounded(p);
        for (const auto& q : r)
        {
            if (q.x != r.front().x || q.y != r.front().y) { return false; }
        }
        return true;
    }
}

TEST_CASE("compact_path: the shortest form of each command")
{
    // A rectangle traced through points along its sides: four corners, sides as H and V.
    CHECK(compact_path_data({{{0, 0}, {10, 0}, {20, 0}, {20, 5}, {20, 10}, {0, 10}, {0, 5}}}, true) == "M0 0H20V10H0z");
    // A line that turns back on itself keeps its far end (only points inside a run go).
    CHECK(compact_path_data({{{0, 0}, {10, 0}, {5, 0}}}) == "M0 0H10 5");
    // Relative steps without leading zeros or needless separators.
    CHECK(compact_path_data({{{1.5, 2.25}, {1, 2.75}, {1.5, 2.5}}}) == "M1.5 2.25l-.5.5.5-.25");
    // The same in hundredths of a pixel.
    CHECK(compact_path_data({{{1.5, 2.25}, {1, 2.75}, {1.5, 2.5}}}, false, path_units::hundredths)
          == "M150 225l-50 50 50-25");
    // Absolute where it is shorter; a bare pair continues the line after a move.
    CHECK(compact_path_data({{{100, 200}, {3, 4}}}) == "M100 200 3 4");
    // Rounded as path_data rounds: to two decimals, "-0" as 0.
    CHECK(path_data({{{0.004, -0.004}, {12.3449, 6.7851}}}) == "M0,0 L12.34,6.79");
    CHECK(compact_path_data({{{0.004, -0.004}, {12.3449, 6.7851}}}) == "M0 0 12.34 6.79");
    // Each piece starts with a move, relative to where the last one ended (a closed piece: its start).
    CHECK(compact_path_data({{{10, 10}, {20, 10}, {20, 20}}, {{11, 11}, {12, 12}, {11, 12}}}, true)
          == "M10 10H20V20zm1 1 1 1H11z");
    // A piece that is a single point after rounding draws nothing and is left out.
    CHECK(compact_path_data({{{1, 1}, {1.001, 1.002}}, {{5, 5}}}).empty());
    compact_path p;
    CHECK(p.str().empty());
    p.add({{1, 1}, {2, 2}, {3, 3}});
    CHECK(p.str() == "M1 1 3 3");
    CHECK_THROWS_WITH_AS(compact_path_data({{{0, 0}, {std::nan(""), 1}}}), doctest::Contains("must be finite"),
                         std::invalid_argument);
}

TEST_CASE("compact_path: random polylines read back as the same drawing as path_data's")
{
    std::mt19937_64 rng(20240611);
    std::size_t compact_chars = 0, plain_chars = 0;
    for (int trial = 0; trial < 400; ++trial)
    {
        std::vector<std::vector<point>> pieces;
        const std::size_t n = 1 + rng() % 4;
        for (std::size_t k = 0; k < n; ++k) { pieces.push_back(random_polyline(rng)); }
        const bool closed = trial % 2 == 1;
        const std::string plain = path_data(pieces, closed);
        for (const auto units : {path_units::pixels, path_units::hundredths})
        {
            const std::string d = compact_path_data(pieces, closed, units);
            const auto parsed = parse_path_data(d, units == path_units::hundredths ? 0.01 : 1.0);
            // The pieces that draw something, in order, each traced by its subpath.
            std::size_t s = 0;
            for (const auto& piece : pieces)
            {
                if (single_point(piece)) { continue; }
                REQUIRE(s < parsed.size());
                CHECK(parsed[s].closed == closed);
                CHECK_MESSAGE(traces(rounded(piece), parsed[s].points, closed), "piece " << s << " of " << d);
                if (closed)
                {
                    // The same area (up to the shoelace sum's rounding on coordinates of hundreds).
                    CHECK(std::abs(signed_area(parsed[s].points) - signed_area(rounded(piece))) < 1e-6);
                }
                ++s;
            }
            CHECK(s == parsed.size());
            if (units == path_units::pixels)
            {
                compact_chars += d.size();
                plain_chars += plain.size();
                CHECK(d.size() <= plain.size());
            }
        }
    }
    // Markedly shorter overall (under 60% of path_data's text on these polylines).
    CHECK(static_cast<double>(compact_chars) < 0.6 * static_cast<double>(plain_chars));
}
