// xoptim/viz/csv.hpp -- the data behind a figure as CSV (RFC 4180 quoting),
// numbers written with the fewest digits that read back to the same double.
#pragma once

#include <cstddef>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "contour.hpp"
#include "file.hpp"
#include "svg.hpp"

namespace xoptim::viz
{
    /// A CSV field: quoted (with quotes doubled) when it holds a comma, a quote
    /// or a line break, or starts or ends with a space.
    inline std::string csv_escape(std::string_view field)
    {
        const bool quote = field.find_first_of(",\"\r\n") != std::string_view::npos
                           || (!field.empty() && (field.front() == ' ' || field.back() == ' '));
        if (!quote) { return std::string(field); }
        std::string s = "\"";
        for (char c : field)
        {
            s += c;
            if (c == '"') { s += '"'; }
        }
        s += '"';
        return s;
    }

    /// Builds a CSV table row by row; every row must have as many fields as the header.
    class csv_writer
    {
    public:
        explicit csv_writer(std::vector<std::string> header) : m_columns(header.size())
        {
            if (header.empty())
            {
                throw std::invalid_argument("csv_writer: header must have at least one column, got 0");
            }
            append(header);
            m_rows = 0;
        }

        csv_writer& row(const std::vector<std::string>& fields)
        {
            check(fields.size());
            append(fields);
            return *this;
        }

        csv_writer& row(const std::vector<double>& values)
        {
            check(values.size());
            std::vector<std::string> fields;
            fields.reserve(values.size());
            for (double v : values) { fields.push_back(format_full(v)); }
            append(fields);
            return *this;
        }

        /// The number of data rows (the header not counted).
        std::size_t rows() const noexcept { return m_rows; }
        const std::string& str() const noexcept { return m_out; }

        /// Writes the text as write_text_file does (atomically, every failure thrown).
        void save(const std::string& filename) const;

    private:
        void check(std::size_t n) const
        {
            if (n != m_columns)
            {
                throw std::invalid_argument("csv_writer::row: row " + std::to_string(m_rows + 1) + " must have "
                                            + std::to_string(m_columns) + " fields, got " + std::to_string(n));
            }
        }

        void append(const std::vector<std::string>& fields)
        {
            for (std::size_t k = 0; k < fields.size(); ++k)
            {
                m_out += k == 0 ? "" : ",";
                m_out += csv_escape(fields[k]);
            }
            m_out += '\n';
            ++m_rows;
        }

        std::size_t m_columns;
        std::string m_out;
        std::size_t m_rows = 0;
    };

    /// Columns of equal length as a CSV table, e.g. {"iteration", "theta0", "theta1", "loss"}.
    inline std::string columns_csv(const std::vector<std::string>& header,
                                   const std::vector<std::vector<double>>& columns)
    {
        if (header.size() != columns.size())
        {
            throw std::invalid_argument("columns_csv: header has " + std::to_string(header.size())
                                        + " names but columns has " + std::to_string(columns.size()) + " columns");
        }
        csv_writer w(header);
        const std::size_t n = columns.front().size();
        for (std::size_t c = 0; c < columns.size(); ++c)
        {
            if (columns[c].size() != n)
            {
                throw std::invalid_argument("columns_csv: column '" + header[c] + "' has "
                                            + std::to_string(columns[c].size()) + " values, column '" + header[0]
                                            + "' has " + std::to_string(n));
            }
        }
        std::vector<double> r(columns.size());
        for (std::size_t i = 0; i < n; ++i)
        {
            for (std::size_t c = 0; c < columns.size(); ++c) { r[c] = columns[c][i]; }
            w.row(r);
        }
        return w.str();
    }

    /// A grid in long form: one row "x,y,z" per grid point, x varying slowest.
    inline std::string grid_csv(const grid& g, const std::vector<std::string>& names = {"x", "y", "z"})
    {
        validate_grid(g);
        if (names.size() != 3)
        {
            throw std::invalid_argument("grid_csv: names must have 3 entries, got " + std::to_string(names.size()));
        }
        csv_writer w(names);
        for (std::size_t i = 0; i < g.nx(); ++i)
        {
            for (std::size_t j = 0; j < g.ny(); ++j) { w.row(std::vector<double>{g.x[i], g.y[j], g.z_at(i, j)}); }
        }
        return w.str();
    }

    inline void csv_writer::save(const std::string& filename) const { write_text_file(filename, m_out); }
}
