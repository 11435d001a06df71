// xoptim/viz/html.hpp -- a self-contained HTML page: headings, paragraphs,
// tables and figures (SVG inline, or local files by relative path). No
// external URL, font or script; the page is also well-formed XML (XHTML
// syntax), so an XML parser can check it.
#pragma once

#include <cmath>
#include <cstddef>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "svg.hpp"

namespace xoptim::viz
{
    class html_page
    {
    public:
        explicit html_page(std::string title) : m_title(std::move(title)) {}

        /// A heading of level 1 to 6, with an optional id to link to.
        html_page& heading(int level, std::string_view text, std::string_view id = {})
        {
            if (level < 1 || level > 6)
            {
                throw std::invalid_argument("html_page::heading: level must be in [1, 6], got "
                                            + std::to_string(level));
            }
            const std::string tag = "h" + std::to_string(level);
            m_body += "<" + tag;
            if (!id.empty()) { m_body += " id=\"" + xml_escape(id) + "\""; }
            m_body += ">" + xml_escape(text) + "</" + tag + ">\n";
            return *this;
        }

        html_page& paragraph(std::string_view text)
        {
            m_body += "<p>" + xml_escape(text) + "</p>\n";
            return *this;
        }

        /// A two-column table of names and values (e.g. the settings used).
        html_page& settings_table(const std::vector<std::pair<std::string, std::string>>& rows,
                                  std::string_view caption = {})
        {
            m_body += "<div class=\"table-scroll\">\n<table class=\"settings\">\n";
            if (!caption.empty()) { m_body += "<caption>" + xml_escape(caption) + "</caption>\n"; }
            for (const auto& [name, value] : rows)
            {
                m_body +=
                    "<tr><th scope=\"row\">" + xml_escape(name) + "</th><td>" + xml_escape(value) + "</td></tr>\n";
            }
            m_body += "</table>\n</div>\n";
            return *this;
        }

        /// A table with a header row; every row must have as many cells as the header.
        html_page& data_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                              std::string_view caption = {})
        {
            for (std::size_t r = 0; r < rows.size(); ++r)
            {
                if (rows[r].size() != header.size())
                {
                    throw std::invalid_argument("html_page::data_table: rows[" + std::to_string(r) + "] must have "
                                                + std::to_string(header.size()) + " cells, got "
                                                + std::to_string(rows[r].size()));
                }
            }
            m_body += "<div class=\"table-scroll\">\n<table class=\"data\">\n";
            if (!caption.empty()) { m_body += "<caption>" + xml_escape(caption) + "</caption>\n"; }
            m_body += "<thead><tr>";
            for (const auto& h : header) { m_body += "<th scope=\"col\">" + xml_escape(h) + "</th>"; }
            m_body += "</tr></thead>\n<tbody>\n";
            for (const auto& row : rows)
            {
                m_body += "<tr>";
                for (const auto& c : row) { m_body += "<td>" + xml_escape(c) + "</td>"; }
                m_body += "</tr>\n";
            }
            m_body += "</tbody>\n</table>\n</div>\n";
            return *this;
        }

        /// A figure holding an SVG document inline (its XML declaration dropped).
        /// Its ids (and the references to them: url(#...), href="#...") get a
        /// prefix unique in the page, so that two figures' clip paths never clash.
        html_page& figure_inline(std::string_view svg_document, std::string_view caption = {})
        {
            const auto pos = svg_document.find("<svg");
            if (pos == std::string_view::npos)
            {
                throw std::invalid_argument("html_page::figure_inline: svg_document has no <svg element (starts with '"
                                            + std::string(svg_document.substr(0, 40)) + "')");
            }
            m_body += "<figure>\n";
            m_body += prefix_ids(svg_document.substr(pos), "f" + std::to_string(++m_inline_count) + "-");
            if (!m_body.empty() && m_body.back() != '\n') { m_body += '\n'; }
            add_caption(caption);
            m_body += "</figure>\n";
            return *this;
        }

        /// A figure showing a local image file by its path relative to the page
        /// (SVG animations still play in an <img>).
        html_page& figure_file(std::string_view relative_path, std::string_view caption = {})
        {
            check_relative(relative_path, "figure_file");
            m_body +=
                "<figure>\n<img src=\"" + xml_escape(relative_path) + "\" alt=\"" + xml_escape(caption) + "\"/>\n";
            add_caption(caption);
            m_body += "</figure>\n";
            return *this;
        }

        /// A figure showing a local SVG file as a document of its own (<object>): unlike an <img>,
        /// its own script runs (e.g. animation controls) and the files it refers to load (e.g. a
        /// shared background). It scales down to the page's width keeping the aspect ratio
        /// width : height; without <object> support the caption is shown instead.
        html_page& figure_object(std::string_view relative_path, double width, double height,
                                 std::string_view caption = {})
        {
            check_relative(relative_path, "figure_object");
            if (!(width > 0.0 && height > 0.0 && std::isfinite(width) && std::isfinite(height)))
            {
                throw std::invalid_argument("html_page::figure_object: width and height must be finite and > 0, got "
                                            + format_number(width) + " x " + format_number(height));
            }
            m_body += "<figure>\n<object data=\"" + xml_escape(relative_path)
                      + "\" type=\"image/svg+xml\" style=\"width: " + format_number(width)
                      + "px; aspect-ratio: " + format_number(width) + " / " + format_number(height) + "\">"
                      + xml_escape(caption) + "</object>\n";
            add_caption(caption);
            m_body += "</figure>\n";
            return *this;
        }

        /// A link to a local file by its path relative to the page.
        html_page& link(std::string_view relative_path, std::string_view text)
        {
            check_relative(relative_path, "link");
            m_body += "<p><a href=\"" + xml_escape(relative_path) + "\">" + xml_escape(text) + "</a></p>\n";
            return *this;
        }

        /// Opens and closes a <div class="..."> around figures shown side by side.
        html_page& begin_row()
        {
            m_body += "<div class=\"row\">\n";
            ++m_open_rows;
            return *this;
        }

        html_page& end_row()
        {
            if (m_open_rows == 0) { throw std::logic_error("html_page::end_row: no row open"); }
            m_body += "</div>\n";
            --m_open_rows;
            return *this;
        }

        std::string str() const
        {
            std::string s = "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
                            "<meta charset=\"utf-8\"/>\n"
                            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>"
                            + xml_escape(m_title) + "</title>\n<style>\n" + style() + "</style>\n</head>\n<body>\n"
                            + m_body;
            for (std::size_t k = 0; k < m_open_rows; ++k) { s += "</div>\n"; }
            s += "</body>\n</html>\n";
            return s;
        }

        /// Writes the document as write_text_file does (atomically, every failure thrown).
        void save(const std::string& filename) const { write_text_file(filename, str()); }

    private:
        static std::string style()
        {
            return "body { font-family: sans-serif; margin: 1.5em auto; padding: 0 0.6em; max-width: 1280px; "
                   "color: #222; }\n"
                   "figure { display: inline-block; margin: 0.5em 0; max-width: 100%; vertical-align: top; }\n"
                   "figure img, figure object, figure svg { display: block; max-width: 100%; height: auto; }\n"
                   ".row figure { margin-right: 1em; }\n"
                   ".table-scroll { max-width: 100%; overflow-x: auto; }\n"
                   "figcaption { font-size: 0.9em; color: #555; margin-top: 0.3em; }\n"
                   "table { border-collapse: collapse; margin: 0.8em 0; }\n"
                   "th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }\n"
                   "td { font-variant-numeric: tabular-nums; }\n"
                   "caption { text-align: left; font-weight: bold; margin-bottom: 0.3em; }\n"
                   ".row { display: flex; flex-wrap: wrap; align-items: flex-start; }\n";
        }

        void add_caption(std::string_view caption)
        {
            if (!caption.empty()) { m_body += "<figcaption>" + xml_escape(caption) + "</figcaption>\n"; }
        }

        static std::string prefix_ids(std::string_view doc, const std::string& prefix)
        {
            std::string out(doc);
            for (const std::string from : {"id=\"", "url(#", "href=\"#"})
            {
                const std::string to = from + prefix;
                for (auto p = out.find(from); p != std::string::npos; p = out.find(from, p + to.size()))
                {
                    out.replace(p, from.size(), to);
                }
            }
            return out;
        }

        static void check_relative(std::string_view path, const char* fn)
        {
            const bool has_scheme = path.find(':') != std::string_view::npos;
            if (path.empty() || path.front() == '/' || path.front() == '\\' || has_scheme)
            {
                throw std::invalid_argument(std::string("html_page::") + fn
                                            + ": relative_path must be a relative local path, got '" + std::string(path)
                                            + "'");
            }
        }

        std::string m_title;
        std::string m_body;
        std::size_t m_open_rows = 0;
        std::size_t m_inline_count = 0;
    };
}
