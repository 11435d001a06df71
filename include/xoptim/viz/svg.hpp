// xoptim/viz/svg.hpp -- a small writer for well-formed SVG documents.
//
// Elements are opened and closed through the writer, which keeps the nesting
// and escapes every attribute value and text node, so the output always parses
// as XML. Numbers are written compactly (fixed notation, trailing zeros
// removed) and a non-finite number is refused rather than written.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <fstream>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "../core/charconv.hpp"
#include <vector>

#include "file.hpp"

namespace xoptim::viz
{
    /// Escapes the five XML special characters (`& < > " '`) for use in text or
    /// in a quoted attribute value.
    inline std::string xml_escape(std::string_view text)
    {
        std::string out;
        out.reserve(text.size());
        for (char c : text)
        {
            switch (c)
            {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default: out += c; break;
            }
        }
        return out;
    }

    /// Writes `value` in fixed notation with at most `decimals` digits after the
    /// point, trailing zeros and a trailing point removed, and "-0" written as "0".
    /// Throws std::invalid_argument for a non-finite value, so that NaN or inf never
    /// reaches a picture.
    inline std::string format_number(double value, int decimals = 2)
    {
        if (!std::isfinite(value))
        {
            throw std::invalid_argument("format_number: value must be finite, got " + std::to_string(value));
        }
        if (decimals < 0 || decimals > 17)
        {
            throw std::invalid_argument("format_number: decimals must be in [0, 17], got " + std::to_string(decimals));
        }
        char buf[400];
        auto res = xoptim::detail::double_to_chars(buf, buf + sizeof(buf), value, std::chars_format::fixed, decimals);
        std::string s(buf, res.ptr);
        if (s.find('.') != std::string::npos)
        {
            while (!s.empty() && s.back() == '0') { s.pop_back(); }
            if (!s.empty() && s.back() == '.') { s.pop_back(); }
        }
        if (s == "-0") { s = "0"; }
        return s;
    }

    /// Writes `value` with the fewest digits that read back to exactly the same
    /// double (at most 17 significant digits); "nan", "inf" and "-inf" for
    /// non-finite values. Used for data files, where nothing may be lost.
    inline std::string format_full(double value)
    {
        if (std::isnan(value)) { return "nan"; }
        if (std::isinf(value)) { return value > 0 ? "inf" : "-inf"; }
        char buf[64];
        auto res = xoptim::detail::double_to_chars(buf, buf + sizeof(buf), value);
        return std::string(buf, res.ptr);
    }

    /// One attribute: a name and its (not yet escaped) value. Numbers are
    /// formatted with format_number (two decimals, enough for pixel units).
    struct attr
    {
        std::string name;
        std::string value;

        attr(std::string n, std::string_view v) : name(std::move(n)), value(v) {}

        attr(std::string n, const char* v) : name(std::move(n)), value(v) {}

        attr(std::string n, const std::string& v) : name(std::move(n)), value(v) {}

        template <class T>
        requires std::is_arithmetic_v<T> attr(std::string n, T v) : name(std::move(n))
        {
            if constexpr (std::is_integral_v<T>) { value = std::to_string(v); }
            else
            {
                if (!std::isfinite(static_cast<double>(v)))
                {
                    throw std::invalid_argument("attr: value of attribute '" + name + "' must be finite, got "
                                                + std::to_string(static_cast<double>(v)));
                }
                value = format_number(static_cast<double>(v));
            }
        }
    };

    using attrs = std::vector<attr>;

    /// Puts `front` before the attributes already in `a`.
    inline void prepend(attrs& a, const attrs& front) { a.insert(a.begin(), front.begin(), front.end()); }

    /// A point in picture (pixel) coordinates, y downwards.
    struct point
    {
        double x = 0.0;
        double y = 0.0;
    };

    /// Builds an SVG document element by element. The root <svg> element is
    /// opened by the constructor; str() closes whatever is still open.
    class svg_writer
    {
    public:
        svg_writer(double width, double height) : m_width(width), m_height(height)
        {
            if (!(std::isfinite(width) && width > 0.0))
            {
                throw std::invalid_argument("svg_writer: width must be finite and > 0, got " + std::to_string(width));
            }
            if (!(std::isfinite(height) && height > 0.0))
            {
                throw std::invalid_argument("svg_writer: height must be finite and > 0, got " + std::to_string(height));
            }
            m_out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
            open("svg", {{"xmlns", "http://www.w3.org/2000/svg"},
                         {"width", width},
                         {"height", height},
                         {"viewBox", "0 0 " + format_number(width) + " " + format_number(height)},
                         {"font-family", "sans-serif"},
                         {"font-size", 12}});
        }

        double width() const noexcept { return m_width; }
        double height() const noexcept { return m_height; }

        /// Opens an element that will hold children.
        svg_writer& open(std::string_view tag, const attrs& a = {})
        {
            write_start(tag, a);
            m_out += ">\n";
            m_stack.emplace_back(tag);
            return *this;
        }

        /// Closes the innermost open element.
        svg_writer& close()
        {
            if (m_stack.size() <= 1) { throw std::logic_error("svg_writer::close: no element open besides the root"); }
            close_top();
            return *this;
        }

        /// Writes an element without children.
        svg_writer& element(std::string_view tag, const attrs& a = {})
        {
            write_start(tag, a);
            m_out += "/>\n";
            return *this;
        }

        /// Writes an element whose only child is (escaped) text.
        svg_writer& text_element(std::string_view tag, const attrs& a, std::string_view text)
        {
            write_start(tag, a);
            m_out += '>';
            m_out += xml_escape(text);
            m_out += "</";
            m_out += tag;
            m_out += ">\n";
            return *this;
        }

        /// Appends an already well-formed fragment (e.g. produced by another writer's body()).
        svg_writer& raw(std::string_view fragment)
        {
            m_out += fragment;
            return *this;
        }

        svg_writer& group(const attrs& a = {}) { return open("g", a); }

        svg_writer& rect(double x, double y, double w, double h, attrs a = {})
        {
            prepend(a, {{"x", x}, {"y", y}, {"width", std::max(w, 0.0)}, {"height", std::max(h, 0.0)}});
            return element("rect", a);
        }

        svg_writer& line(double x1, double y1, double x2, double y2, attrs a = {})
        {
            prepend(a, {{"x1", x1}, {"y1", y1}, {"x2", x2}, {"y2", y2}});
            return element("line", a);
        }

        svg_writer& circle(double cx, double cy, double r, attrs a = {})
        {
            prepend(a, {{"cx", cx}, {"cy", cy}, {"r", r}});
            return element("circle", a);
        }

        svg_writer& polyline(const std::vector<point>& pts, attrs a = {})
        {
            a.insert(a.begin(), attr{"points", points_string(pts)});
            return element("polyline", a);
        }

        svg_writer& polygon(const std::vector<point>& pts, attrs a = {})
        {
            a.insert(a.begin(), attr{"points", points_string(pts)});
            return element("polygon", a);
        }

        svg_writer& path(std::string_view d, attrs a = {})
        {
            a.insert(a.begin(), attr{"d", d});
            return element("path", a);
        }

        svg_writer& text(double x, double y, std::string_view content, attrs a = {})
        {
            prepend(a, {{"x", x}, {"y", y}});
            return text_element("text", a, content);
        }

        /// Defines a rectangular clip path and returns the value to use in a
        /// `clip-path` attribute, e.g. `url(#clip3)`.
        std::string clip_rect(double x, double y, double w, double h)
        {
            const std::string id = unique_id("clip");
            open("clipPath", {{"id", id}});
            rect(x, y, w, h);
            close();
            return "url(#" + id + ")";
        }

        /// Returns an id not used before in this document.
        std::string unique_id(std::string_view prefix) { return std::string(prefix) + std::to_string(m_next_id++); }

        /// The id of a definition written once per document and referenced (e.g. by <use>) as
        /// often as needed: `key` stands for its whole content. The first call with a key takes a
        /// new id with `prefix`, calls write(id), which writes the definition (in a <defs>), and
        /// remembers it; later calls with the same key return that id and write nothing.
        template <class Write>
        requires std::invocable<Write&, const std::string&> std::string
        shared_definition(const std::string& key, std::string_view prefix, Write&& write)
        {
            if (const auto it = m_shared.find(key); it != m_shared.end()) { return it->second; }
            std::string id = unique_id(prefix);
            write(std::as_const(id));
            m_shared.emplace(key, id);
            return id;
        }

        /// The finished document (all open elements closed). The writer can go on
        /// being used afterwards; only the returned copy is closed.
        std::string str() const
        {
            svg_writer copy = *this;
            while (!copy.m_stack.empty()) { copy.close_top(); }
            return copy.m_out;
        }

        /// The finished document without the XML declaration, for inline use in HTML.
        std::string fragment() const
        {
            std::string s = str();
            const auto pos = s.find("?>\n");
            return pos == std::string::npos ? s : s.substr(pos + 3);
        }

        /// Writes the document as write_text_file does (atomically, every failure thrown).
        void save(const std::string& filename) const { write_text_file(filename, str()); }

        /// Formats points as "x1,y1 x2,y2 ..." for polyline/polygon.
        static std::string points_string(const std::vector<point>& pts)
        {
            std::string s;
            s.reserve(pts.size() * 12);
            for (std::size_t i = 0; i < pts.size(); ++i)
            {
                if (i > 0) { s += ' '; }
                s += format_number(pts[i].x);
                s += ',';
                s += format_number(pts[i].y);
            }
            return s;
        }

    private:
        void write_start(std::string_view tag, const attrs& a)
        {
            m_out.append(m_stack.size() * 1, ' ');
            m_out += '<';
            m_out += tag;
            for (const auto& at : a)
            {
                m_out += ' ';
                m_out += at.name;
                m_out += "=\"";
                m_out += xml_escape(at.value);
                m_out += '"';
            }
        }

        void close_top()
        {
            const std::string tag = std::move(m_stack.back());
            m_stack.pop_back();
            m_out.append(m_stack.size() * 1, ' ');
            m_out += "</";
            m_out += tag;
            m_out += ">\n";
        }

        double m_width;
        double m_height;
        std::string m_out;
        std::vector<std::string> m_stack;
        std::size_t m_next_id = 0;
        std::map<std::string, std::string, std::less<>> m_shared;  // shared_definition's keys and ids
    };

    /// Builds the `d` attribute of a path from polyline pieces: "M x,y L x,y ...";
    /// each piece starts with M, pieces of fewer than 2 points are kept as a dot-free move.
    inline std::string path_data(const std::vector<std::vector<point>>& pieces, bool close_each = false)
    {
        std::string d;
        for (const auto& piece : pieces)
        {
            if (piece.empty()) { continue; }
            for (std::size_t i = 0; i < piece.size(); ++i)
            {
                d += (i == 0 ? (d.empty() ? "M" : " M") : " L");
                d += format_number(piece[i].x);
                d += ',';
                d += format_number(piece[i].y);
            }
            if (close_each) { d += " Z"; }
        }
        return d;
    }
}
