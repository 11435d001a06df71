// xoptim-compare-csv A.csv B.csv TOLERANCE: exit 0 when both files have the same header and
// the same number of rows, and every number of A is within TOLERANCE of B's, relative to
// max(1, |b|); otherwise prints the first difference and exits 1.

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace
{
    std::vector<std::string> read_lines(const char* path)
    {
        std::ifstream in(path);
        if (!in) { throw std::runtime_error(std::string("cannot read ") + path); }
        std::vector<std::string> lines;
        for (std::string line; std::getline(in, line);) { lines.push_back(line); }
        return lines;
    }

    std::vector<double> numbers(const std::string& line)
    {
        std::vector<double> out;
        std::stringstream cells(line);
        for (std::string cell; std::getline(cells, cell, ',');)
        {
            std::size_t used = 0;
            out.push_back(std::stod(cell, &used));
            if (used != cell.size()) { throw std::runtime_error("not a number: '" + cell + "'"); }
        }
        return out;
    }
}

int main(int argc, char** argv)
{
    if (argc != 4)
    {
        std::cerr << "usage: xoptim-compare-csv A.csv B.csv TOLERANCE\n";
        return 2;
    }
    try
    {
        const auto a = read_lines(argv[1]);
        const auto b = read_lines(argv[2]);
        const double tolerance = std::stod(argv[3]);
        if (a.size() != b.size() || a.size() < 2)
        {
            std::cerr << "row counts differ or are empty: " << a.size() << " and " << b.size() << " lines\n";
            return 1;
        }
        if (a[0] != b[0])
        {
            std::cerr << "headers differ: '" << a[0] << "' and '" << b[0] << "'\n";
            return 1;
        }
        double worst = 0.0;
        for (std::size_t r = 1; r < a.size(); ++r)
        {
            const auto x = numbers(a[r]);
            const auto y = numbers(b[r]);
            if (x.size() != y.size())
            {
                std::cerr << "line " << r + 1 << ": " << x.size() << " and " << y.size() << " columns\n";
                return 1;
            }
            for (std::size_t c = 0; c < x.size(); ++c)
            {
                const double d = std::abs(x[c] - y[c]) / std::max(1.0, std::abs(y[c]));
                worst = std::max(worst, d);
                if (!(d <= tolerance))
                {
                    std::cerr << "line " << r + 1 << ", column " << c + 1 << ": " << x[c] << " and " << y[c]
                              << " differ by " << d << " (relative), more than " << tolerance << "\n";
                    return 1;
                }
            }
        }
        std::cout << "same: " << a.size() - 1 << " rows, largest relative difference " << worst << "\n";
        return 0;
    }
    catch (const std::exception& e)
    {
        std::cerr << "xoptim-compare-csv: " << e.what() << "\n";
        return 2;
    }
}
