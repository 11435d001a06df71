#pragma once
// Test support: run the built xoptim-viz as a program (xoptim_test::viz_exe()) and capture its
// standard output, standard error and exit status through files in a test output folder; read
// the CSV it writes.

#include <sys/wait.h>

#include "paths.hpp"
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace xoptim_test
{
    // The numbers of a CSV text after its header line, row by row (17 digits read back exactly).
    inline std::vector<std::vector<double>> csv_rows(const std::string& text)
    {
        std::istringstream in(text);
        std::string line;
        std::getline(in, line);
        std::vector<std::vector<double>> out;
        while (std::getline(in, line))
        {
            std::stringstream ls(line);
            std::vector<double> row;
            for (std::string cell; std::getline(ls, cell, ',');) { row.push_back(std::stod(cell)); }
            out.push_back(row);
        }
        return out;
    }

    // Appended piece by piece: GCC 12 at -O3 reports a false -Wrestrict overlap inside
    // `"'" + std::string&&` (its bug 105651).
    inline std::string quoted(const std::filesystem::path& p)
    {
        std::string out(1, '\'');
        out += p.string();
        out += '\'';
        return out;
    }

    inline std::string read_file(const std::filesystem::path& p)
    {
        std::ifstream in(p, std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }

    struct cli_run
    {
        int status = -1;
        std::string out;
        std::string err;
    };

#ifdef XOPTIM_TEST_HAS_VIZ
    // Runs `xoptim-viz <args>` (args as shell words) in `cwd` (the current folder if empty);
    // the captured streams are kept as runN.out / runN.err in `folder`.
    inline cli_run run_viz(const std::filesystem::path& folder, const std::string& args,
                           const std::filesystem::path& cwd = {})
    {
        static int counter = 0;
        std::filesystem::create_directories(folder);
        const auto out = folder / ("run" + std::to_string(counter) + ".out");
        const auto err = folder / ("run" + std::to_string(counter) + ".err");
        ++counter;
        const std::string command = (cwd.empty() ? std::string() : "cd " + quoted(cwd) + " && ") + "'"
                                    + xoptim_test::viz_exe() + "' " + args + " > " + quoted(out) + " 2> " + quoted(err)
                                    + " < /dev/null";
        const int raw = std::system(command.c_str());
        cli_run r;
        r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
        r.out = read_file(out);
        r.err = read_file(err);
        return r;
    }
#endif
}
