// xoptim/viz/compact_path.hpp -- SVG path data in as few characters as path_data's drawing
// allows: points rounded to hundredths of a pixel as path_data rounds them, repeated points and
// points inside straight runs dropped, each command written in the shorter of its absolute and
// relative forms, and optionally in whole hundredths for a group scaled back by
// hundredths_scale. For the pictures made of many paths: contour bands and lines, and the
// facets of a shaded surface.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "svg.hpp"

namespace xoptim::viz
{
    namespace detail
    {
        /// A point in hundredths of a pixel: the position format_number(v, 2) writes, in whole
        /// numbers, so that differences between points are exact.
        struct hundredths_point
        {
            long long x = 0;
            long long y = 0;

            friend bool operator==(const hundredths_point&, const hundredths_point&) = default;
        };

        /// v in hundredths, rounded exactly as format_number(v, 2) rounds it (so a compact path
        /// ends where path_data's would). Refuses a non-finite or absurdly large v.
        inline long long to_hundredths(double v)
        {
            if (!(std::abs(v) < 1e12))
            {
                throw std::invalid_argument("compact_path: coordinates must be finite and below 1e12 in size, got "
                                            + std::to_string(v));
            }
            const std::string s = format_number(v, 2);
            long long h = 0;
            int decimals = -1;  // digits read after the point; -1 before it
            for (char c : s)
            {
                if (c == '-') { continue; }
                if (c == '.')
                {
                    decimals = 0;
                    continue;
                }
                h = h * 10 + (c - '0');
                if (decimals >= 0) { ++decimals; }
            }
            for (int d = std::max(decimals, 0); d < 2; ++d) { h *= 10; }
            return s.front() == '-' ? -h : h;
        }

        inline hundredths_point to_hundredths(point p) { return {to_hundredths(p.x), to_hundredths(p.y)}; }

        /// Hundredths as the shortest decimal: no trailing zeros, no leading zero before the
        /// point ("-.05", ".5", "12", "3.25").
        inline std::string hundredths_text(long long h)
        {
            std::string s = h < 0 ? "-" : "";
            const auto a = static_cast<unsigned long long>(h < 0 ? -h : h);  // |h| < 1e14
            const unsigned long long whole = a / 100, frac = a % 100;
            if (whole != 0 || frac == 0) { s += std::to_string(whole); }
            if (frac != 0)
            {
                s += '.';
                s += static_cast<char>('0' + frac / 10);
                if (frac % 10 != 0) { s += static_cast<char>('0' + frac % 10); }
            }
            return s;
        }

        /// True when b lies strictly inside the segment from a to c: dropping b leaves the same
        /// line (and, as a polygon vertex, the same area). a != b and b != c are assumed.
        inline bool strictly_between(hundredths_point a, hundredths_point b, hundredths_point c)
        {
            const long long ux = b.x - a.x, uy = b.y - a.y, vx = c.x - b.x, vy = c.y - b.y;
            constexpr long long limit = 1LL << 30;  // products stay far inside long long
            for (long long d : {ux, uy, vx, vy})
            {
                if (d <= -limit || d >= limit) { return false; }
            }
            return ux * vy - uy * vx == 0 && ux * vx + uy * vy > 0;
        }

        /// The points of a polyline rounded to hundredths, each point that repeats the one before
        /// it dropped (and, for a closed one, a last point repeating the first).
        inline std::vector<hundredths_point> rounded_points(const std::vector<point>& piece, bool closed)
        {
            std::vector<hundredths_point> out;
            out.reserve(piece.size());
            for (const point& p : piece)
            {
                const hundredths_point q = to_hundredths(p);
                if (out.empty() || !(q == out.back())) { out.push_back(q); }
            }
            if (closed && out.size() > 1 && out.back() == out.front()) { out.pop_back(); }
            return out;
        }

        /// Drops the points that lie strictly inside the straight segment between their neighbours
        /// (for a closed polyline, around the join of its ends too): the line and the enclosed area
        /// stay exactly the same. Long straight runs, such as a band's border, become one segment.
        inline std::vector<hundredths_point> without_collinear(const std::vector<hundredths_point>& pts, bool closed)
        {
            std::vector<hundredths_point> out;
            out.reserve(pts.size());
            for (const auto& q : pts)
            {
                while (out.size() >= 2 && strictly_between(out[out.size() - 2], out.back(), q)) { out.pop_back(); }
                out.push_back(q);
            }
            while (closed && out.size() > 2)
            {
                if (strictly_between(out[out.size() - 2], out.back(), out.front())) { out.pop_back(); }
                else if (strictly_between(out.back(), out.front(), out[1])) { out.erase(out.begin()); }
                else { break; }
            }
            return out;
        }
    }

    /// The units compact_path writes: pixels with up to two decimals ("M10 20.5l-.5.25"), or
    /// whole hundredths of a pixel ("M1000 2050l-50 25"), a character less for most numbers, for
    /// a group with the transform hundredths_scale.
    enum class path_units
    {
        pixels,
        hundredths
    };

    /// The transform of a group whose paths are in path_units::hundredths: back to pixels.
    inline constexpr std::string_view hundredths_scale = "scale(.01)";

    /// Builds compact SVG path data, lossless against path_data at its two decimals: every point
    /// is rounded to hundredths as path_data rounds it, then written as the shortest of the
    /// absolute and relative forms (L/l, H/h, V/v; M/m for each piece's start), with the command
    /// letter left out when it repeats, no separator before a minus sign or before a point that
    /// follows a number already holding one, and no leading zero ("M10 20.5l-.5.25"). Repeated
    /// points, and points strictly inside a straight segment, are dropped: the same lines and
    /// areas with fewer points (only a marker-mid would see the difference). A piece that shrinks
    /// to a single point draws nothing and is left out.
    class compact_path
    {
    public:
        explicit compact_path(path_units units = path_units::pixels) : m_units(units) {}

        /// Adds one polyline as a subpath, closed with z when `closed`.
        compact_path& add(const std::vector<point>& piece, bool closed = false)
        {
            const auto pts = detail::without_collinear(detail::rounded_points(piece, closed), closed);
            if (pts.size() < 2) { return *this; }
            move_to(pts.front());
            for (std::size_t k = 1; k < pts.size(); ++k) { line_to(pts[k]); }
            if (closed)
            {
                m_d += 'z';
                m_command = 'z';
                m_at = pts.front();
            }
            return *this;
        }

        /// The path data so far ("" when nothing was drawn).
        const std::string& str() const noexcept { return m_d; }

    private:
        // One way to write a command: its letter and its one or two numbers.
        struct candidate
        {
            char command;
            std::vector<long long> numbers;
        };

        void move_to(detail::hundredths_point p)
        {
            std::vector<candidate> ways{{'M', {p.x, p.y}}};
            if (!m_d.empty()) { ways.push_back({'m', {p.x - m_at.x, p.y - m_at.y}}); }
            write_shortest(ways);
            m_command = m_command == 'M' ? 'L' : 'l';  // further pairs after a move are lines
            m_at = p;
        }

        void line_to(detail::hundredths_point p)
        {
            const long long dx = p.x - m_at.x, dy = p.y - m_at.y;
            std::vector<candidate> ways{{'L', {p.x, p.y}}, {'l', {dx, dy}}};
            if (dy == 0)
            {
                ways.push_back({'H', {p.x}});
                ways.push_back({'h', {dx}});
            }
            if (dx == 0)
            {
                ways.push_back({'V', {p.y}});
                ways.push_back({'v', {dy}});
            }
            write_shortest(ways);
            m_at = p;
        }

        // Writes the candidate that adds the fewest characters (the first of equals).
        void write_shortest(const std::vector<candidate>& ways)
        {
            std::string best;
            char best_command = 0;
            for (const auto& c : ways)
            {
                std::string s = spelled(c);
                if (best_command == 0 || s.size() < best.size())
                {
                    best = std::move(s);
                    best_command = c.command;
                }
            }
            m_d += best;
            m_command = best_command;
        }

        // The text a candidate adds after what is written so far.
        std::string spelled(const candidate& c) const
        {
            std::string s;
            if (c.command != m_command) { s += c.command; }
            for (long long n : c.numbers)
            {
                const std::string t = m_units == path_units::pixels ? detail::hundredths_text(n) : std::to_string(n);
                if (needs_separator(s.empty() ? std::string_view(m_d) : std::string_view(s), t)) { s += ' '; }
                s += t;
            }
            return s;
        }

        // Whether number `next` would run into the number that `text` ends with.
        static bool needs_separator(std::string_view text, std::string_view next)
        {
            if (text.empty()) { return false; }
            const char last = text.back();
            if (!(last == '.' || (last >= '0' && last <= '9'))) { return false; }  // after a command letter
            if (next.front() == '-') { return false; }
            if (next.front() == '.')
            {
                // ".5" after "1.25" starts a new number, after "12" it would continue it.
                const auto start = text.find_last_not_of("0123456789.");
                const std::string_view last_number = text.substr(start == std::string_view::npos ? 0 : start + 1);
                return last_number.find('.') == std::string_view::npos;
            }
            return true;
        }

        path_units m_units;
        std::string m_d;
        char m_command = 0;             // the command a bare pair of numbers would continue
        detail::hundredths_point m_at;  // the current point
    };

    /// compact_path's data for these pieces, each closed when close_each: the same drawing as
    /// path_data(pieces, close_each), in fewer characters.
    inline std::string compact_path_data(const std::vector<std::vector<point>>& pieces, bool close_each = false,
                                         path_units units = path_units::pixels)
    {
        compact_path p(units);
        for (const auto& piece : pieces) { p.add(piece, close_each); }
        return p.str();
    }
}
