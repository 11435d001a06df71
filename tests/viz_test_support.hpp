#pragma once
// Test support for the visualisation module: write a document to the test output
// directory and check it with a real XML parser (xmllint, Debian's libxml2-utils).

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "paths.hpp"
#include "xoptim/viz/svg.hpp"
#include <doctest/doctest.h>

namespace xoptim_viz_test
{
    inline std::filesystem::path output_dir()
    {
        std::filesystem::path dir = std::filesystem::path(xoptim_test::output_dir()) / "viz";
        std::filesystem::create_directories(dir);
        return dir;
    }

    inline std::filesystem::path write_output(const std::string& name, const std::string& text)
    {
        const auto path = output_dir() / name;
        std::ofstream(path, std::ios::binary) << text;
        return path;
    }

    inline bool have_xmllint() { return std::system("command -v xmllint > /dev/null 2>&1") == 0; }

    /// True when xmllint parses the file without an error.
    inline bool xml_well_formed(const std::filesystem::path& path)
    {
        REQUIRE_MESSAGE(have_xmllint(), "xmllint is needed to check the XML (apt-get install libxml2-utils)");
        const std::string cmd = "xmllint --noout '" + path.string() + "' 2> '" + path.string() + ".xmllint.txt'";
        return std::system(cmd.c_str()) == 0;
    }

    /// The output of an XPath query run by xmllint on the file (empty on failure).
    inline std::string xpath(const std::filesystem::path& path, const std::string& expr)
    {
        REQUIRE(have_xmllint());
        const auto out = path.string() + ".xpath.txt";
        const std::string cmd = "xmllint --xpath \"" + expr + "\" '" + path.string() + "' > '" + out + "' 2>/dev/null";
        if (std::system(cmd.c_str()) != 0) { return {}; }
        std::ifstream in(out);
        std::string s(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>{});
        if (!s.empty() && s.back() == '\n')
        {
            s.pop_back();  // xmllint ends its output with a line break
        }
        return s;
    }

    inline std::size_t count(const std::string& text, const std::string& what)
    {
        std::size_t n = 0;
        for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size())) { ++n; }
        return n;
    }

    /// One subpath of parsed path data, in absolute coordinates.
    struct parsed_subpath
    {
        std::vector<xoptim::viz::point> points;
        bool closed = false;
    };

    /// Reads path data made of M, L, H, V and Z commands (either case, a command repeated by
    /// its numbers alone, SVG's number grammar: "1.5.5" is 1.5 then .5, "2-3" is 2 then -3),
    /// written here apart from the library's writer so that it checks it. Every coordinate is
    /// multiplied by `scale` (0.01 for paths in hundredths of a pixel).
    inline std::vector<parsed_subpath> parse_path_data(const std::string& d, double scale = 1.0)
    {
        std::vector<parsed_subpath> out;
        std::size_t k = 0;
        auto skip_separators = [&] {
            while (k < d.size() && (std::isspace(static_cast<unsigned char>(d[k])) || d[k] == ',')) { ++k; }
        };
        auto digits = [&] {
            while (k < d.size() && std::isdigit(static_cast<unsigned char>(d[k]))) { ++k; }
        };
        auto number = [&]() -> double {
            skip_separators();
            const std::size_t start = k;
            if (k < d.size() && (d[k] == '-' || d[k] == '+')) { ++k; }
            digits();
            if (k < d.size() && d[k] == '.')
            {
                ++k;
                digits();
            }
            REQUIRE_MESSAGE(k > start, "no number at " << start << " in " << d);
            return std::stod(d.substr(start, k - start));
        };
        auto number_follows = [&] {
            skip_separators();
            return k < d.size()
                   && (d[k] == '-' || d[k] == '+' || d[k] == '.' || std::isdigit(static_cast<unsigned char>(d[k])));
        };
        double x = 0.0, y = 0.0, start_x = 0.0, start_y = 0.0;
        auto add = [&] { out.back().points.push_back({x * scale, y * scale}); };
        char command = 0;
        while (true)
        {
            skip_separators();
            if (k >= d.size()) { break; }
            if (std::isalpha(static_cast<unsigned char>(d[k]))) { command = d[k++]; }
            else { REQUIRE_MESSAGE(command != 0, "path data must start with a command: " << d); }
            const bool relative = std::islower(static_cast<unsigned char>(command));
            switch (std::toupper(static_cast<unsigned char>(command)))
            {
            case 'M':
            {
                const double a = number(), b = number();
                x = relative ? x + a : a;
                y = relative ? y + b : b;
                start_x = x;
                start_y = y;
                out.emplace_back();
                add();
                command = relative ? 'l' : 'L';  // pairs after a move are lines
                break;
            }
            case 'L':
            {
                const double a = number(), b = number();
                x = relative ? x + a : a;
                y = relative ? y + b : b;
                add();
                break;
            }
            case 'H':
            {
                const double a = number();
                x = relative ? x + a : a;
                add();
                break;
            }
            case 'V':
            {
                const double b = number();
                y = relative ? y + b : b;
                add();
                break;
            }
            case 'Z':
                REQUIRE_FALSE(out.empty());
                out.back().closed = true;
                x = start_x;
                y = start_y;
                REQUIRE_FALSE_MESSAGE(number_follows(), "numbers after z in " << d);
                command = 0;
                break;
            default: FAIL("unexpected path command '" << command << "' in " << d);
            }
        }
        return out;
    }

    /// The d attributes of the <path> elements of an SVG text, in document order.
    inline std::vector<std::string> path_d_attributes(const std::string& svg)
    {
        std::vector<std::string> out;
        const std::regex d("<path d=\"([^\"]*)\"");
        for (auto it = std::sregex_iterator(svg.begin(), svg.end(), d); it != std::sregex_iterator(); ++it)
        {
            out.push_back((*it)[1].str());
        }
        return out;
    }

    /// A point as path_data writes it: each coordinate rounded to two decimals.
    inline xoptim::viz::point rounded_as_written(xoptim::viz::point p)
    {
        return {std::stod(xoptim::viz::format_number(p.x)), std::stod(xoptim::viz::format_number(p.y))};
    }

    /// The signed area of a polygon (shoelace formula); positive when it turns anticlockwise in
    /// a y-up frame.
    inline double signed_area(const std::vector<xoptim::viz::point>& p)
    {
        double twice = 0.0;
        for (std::size_t k = 0; k < p.size(); ++k)
        {
            const auto& q = p[(k + 1) % p.size()];
            twice += p[k].x * q.y - q.x * p[k].y;
        }
        return twice / 2.0;
    }

    /// True when the polyline `sparse` passes through every point of `dense` in order, each one
    /// either a vertex of sparse or on the segment between two of them (within tol): sparse
    /// draws the same line as dense with points left out. For closed polylines sparse may start
    /// at any point of dense.
    inline bool traces(std::vector<xoptim::viz::point> dense, std::vector<xoptim::viz::point> sparse, bool closed,
                       double tol = 1e-6)
    {
        using xoptim::viz::point;
        if (dense.empty() || sparse.empty()) { return dense.empty() && sparse.empty(); }
        auto near = [tol](point a, point b) { return std::abs(a.x - b.x) <= tol && std::abs(a.y - b.y) <= tol; };
        auto on_segment = [tol](point p, point a, point b) {
            const double ux = b.x - a.x, uy = b.y - a.y, len = std::hypot(ux, uy);
            const double along = (p.x - a.x) * ux + (p.y - a.y) * uy;
            return std::abs(ux * (p.y - a.y) - uy * (p.x - a.x)) <= tol * len && along >= -tol * len
                   && along <= len * len + tol * len;
        };
        if (closed)
        {
            std::size_t s = 0;
            while (s < dense.size() && !near(dense[s], sparse.front())) { ++s; }
            if (s == dense.size()) { return false; }
            std::rotate(dense.begin(), dense.begin() + static_cast<std::ptrdiff_t>(s), dense.end());
            dense.push_back(dense.front());
            sparse.push_back(sparse.front());
        }
        if (!near(dense.front(), sparse.front())) { return false; }
        std::size_t j = 0;
        for (std::size_t k = 1; k < dense.size(); ++k)
        {
            const point p = dense[k];
            if (near(p, sparse[j])) { continue; }
            if (j + 1 < sparse.size() && near(p, sparse[j + 1]))
            {
                ++j;
                continue;
            }
            if (j + 1 < sparse.size() && on_segment(p, sparse[j], sparse[j + 1])) { continue; }
            return false;
        }
        return j + 1 == sparse.size();
    }
}
