#pragma once
// Loading a data set from CSV: a header line, then rows of numbers separated by commas; the
// last column is the target y, the others the inputs x. Blank lines are skipped.

#include <charconv>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <istream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <xoptim/core/charconv.hpp>
#include <xoptim/problems/dataset.hpp>

namespace xoptim
{

    /// Malformed CSV input. what() reads "<file>:<line>: <reason>", or "<file>: <reason>" when
    /// the file as a whole is at fault (line() == 0: it could not be opened).
    class csv_error : public std::runtime_error
    {
    public:
        csv_error(std::string file, std::size_t line, const std::string& reason)
            : std::runtime_error(file + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": " + reason),
              m_file(std::move(file)), m_line(line)
        {}
        const std::string& file() const noexcept { return m_file; }
        std::size_t line() const noexcept { return m_line; }

    private:
        std::string m_file;
        std::size_t m_line;
    };

    namespace detail
    {

        inline std::string_view trim(std::string_view s)
        {
            const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
            while (!s.empty() && blank(s.front())) { s.remove_prefix(1); }
            while (!s.empty() && blank(s.back())) { s.remove_suffix(1); }
            return s;
        }

        inline std::vector<std::string_view> split_commas(std::string_view line)
        {
            std::vector<std::string_view> fields;
            for (;;)
            {
                const auto comma = line.find(',');
                fields.push_back(trim(line.substr(0, comma)));
                if (comma == std::string_view::npos) { return fields; }
                line.remove_prefix(comma + 1);
            }
        }

        /// A field as the error message shows it: bytes outside printable ASCII as \xNN, so that a
        /// NUL or a control character in the input neither cuts nor garbles the message.
        inline std::string printable(std::string_view field)
        {
            static constexpr char digits[] = "0123456789abcdef";
            std::string out;
            for (const char c : field)
            {
                const auto u = static_cast<unsigned char>(c);
                if (u >= 0x20 && u < 0x7f && c != '\\') { out += c; }
                else
                {
                    out += "\\x";
                    out += digits[u >> 4];
                    out += digits[u & 0xf];
                }
            }
            return out;
        }

    }  // namespace detail

    /// Parses CSV text from `in`; `name` is used in error messages (normally the file name).
    inline dataset parse_csv(std::istream& in, const std::string& name)
    {
        std::string line;
        std::size_t line_no = 0;
        std::size_t columns = 0;
        // Header: the first line that is not blank.
        while (std::getline(in, line))
        {
            ++line_no;
            if (!detail::trim(line).empty())
            {
                columns = detail::split_commas(line).size();
                break;
            }
        }
        if (columns == 0) { throw csv_error(name, line_no == 0 ? 1 : line_no, "empty file (expected a header line)"); }
        if (columns < 2)
        {
            throw csv_error(name, line_no, "header has 1 column; expected at least 2 (inputs, then y last)");
        }
        std::vector<double> values;
        std::size_t rows = 0;
        while (std::getline(in, line))
        {
            ++line_no;
            if (detail::trim(line).empty()) { continue; }
            const auto fields = detail::split_commas(line);
            if (fields.size() != columns)
            {
                throw csv_error(name, line_no,
                                std::to_string(fields.size()) + " columns; the header has " + std::to_string(columns));
            }
            for (std::size_t c = 0; c < columns; ++c)
            {
                const std::string_view f = fields[c];
                // from_chars takes no leading '+': allow one in front of a digit or a point.
                std::string_view digits = f;
                if (digits.size() > 1 && digits[0] == '+' && digits[1] != '-' && digits[1] != '+')
                {
                    digits.remove_prefix(1);
                }
                double v = 0.0;
                const auto [end, ec] = detail::double_from_chars(digits.data(), digits.data() + digits.size(), v);
                if (ec == std::errc::result_out_of_range && end == digits.data() + digits.size())
                {
                    throw csv_error(name, line_no,
                                    "column " + std::to_string(c + 1) + ": '" + detail::printable(f)
                                        + "' is out of range for a double");
                }
                if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size())
                {
                    throw csv_error(name, line_no,
                                    "column " + std::to_string(c + 1) + ": '" + detail::printable(f)
                                        + "' is not a number");
                }
                if (!std::isfinite(v))
                {
                    throw csv_error(name, line_no,
                                    "column " + std::to_string(c + 1) + ": '" + detail::printable(f)
                                        + "' is not finite");
                }
                values.push_back(v);
            }
            ++rows;
        }
        if (rows == 0) { throw csv_error(name, line_no + 1, "no data rows after the header"); }
        const std::size_t d = columns - 1;
        dataset data{xt::zeros<double>({rows, d}), xt::zeros<double>({rows})};
        for (std::size_t i = 0; i < rows; ++i)
        {
            for (std::size_t j = 0; j < d; ++j) { data.x(i, j) = values[i * columns + j]; }
            data.y(i) = values[i * columns + d];
        }
        return data;
    }

    /// Loads `path`; throws csv_error naming the file and line on malformed input.
    inline dataset load_csv(const std::filesystem::path& path)
    {
        std::ifstream in(path);
        if (!in) { throw csv_error(path.string(), 0, "cannot open the file"); }
        return parse_csv(in, path.string());
    }

}  // namespace xoptim
