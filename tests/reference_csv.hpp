#pragma once
// Reference tables whose cells are text (names, modes, lists of numbers separated by spaces):
// tests/data/clip_grad_norm.csv and tests/data/reduce_on_plateau*.csv (see README.md there).

#include "paths.hpp"
#include <cstddef>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace xoptim_test
{
    // One row: its cells by column name.
    class csv_row
    {
    public:
        csv_row(const std::vector<std::string>* header, std::vector<std::string> cells)
            : m_header(header), m_cells(std::move(cells))
        {}

        const std::string& operator[](std::string_view column) const
        {
            for (std::size_t i = 0; i < m_header->size(); ++i)
            {
                if ((*m_header)[i] == column) { return m_cells.at(i); }
            }
            throw std::out_of_range("no column " + std::string(column));
        }

        // The cell as a number: strtod's syntax, so "nan", "inf" and "-inf" too.
        double number(std::string_view column) const { return std::stod((*this)[column]); }

        // The cell as numbers separated by spaces (none for an empty cell).
        std::vector<double> numbers(std::string_view column) const
        {
            std::vector<double> out;
            std::istringstream in((*this)[column]);
            for (std::string word; in >> word;) { out.push_back(std::stod(word)); }
            return out;
        }

    private:
        const std::vector<std::string>* m_header;
        std::vector<std::string> m_cells;
    };

    struct csv_table
    {
        std::vector<std::string> header;
        std::vector<csv_row> rows;

        csv_table() = default;
        csv_table(const csv_table&) = delete;  // rows point at header
        csv_table& operator=(const csv_table&) = delete;
    };

    inline std::vector<std::string> split_cells(const std::string& line)
    {
        std::vector<std::string> cells;
        std::string cell;
        std::istringstream in(line);
        while (std::getline(in, cell, ',')) { cells.push_back(cell); }
        if (!line.empty() && line.back() == ',') { cells.emplace_back(); }
        return cells;
    }

    // Reads tests/data/<name>, the first line being the column names.
    inline void read_csv_table(const std::string& name, csv_table& t)
    {
        const std::string path = std::string(xoptim_test::data_dir()) + "/" + name;
        std::ifstream in(path);
        if (!in) { throw std::runtime_error("cannot open " + path); }
        std::string line;
        std::getline(in, line);
        t.header = split_cells(line);
        while (std::getline(in, line))
        {
            if (line.empty()) { continue; }
            auto cells = split_cells(line);
            if (cells.size() != t.header.size())
            {
                throw std::runtime_error(path + ": a row of the wrong width: " + line);
            }
            t.rows.emplace_back(&t.header, std::move(cells));
        }
    }
}
