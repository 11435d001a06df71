// libFuzzer target for the CSV loader (clang -fsanitize=fuzzer,address,undefined).
//
// Each input is parsed as a data set. A parse may only fail with xoptim::csv_error, whose
// message names the input and, when a line is at fault, a line that exists in the input. A
// parse that succeeds must give at least one row, one input column per header column but the
// last, and finite numbers only; written back as CSV with every digit, it must parse again to
// the same numbers.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>

#include <xoptim/problems/csv.hpp>

namespace
{
    void check_parsed(const xoptim::dataset& data)
    {
        if (data.size() == 0 || data.x.shape()[0] != data.size()) { __builtin_trap(); }
        for (const double v : data.x)
        {
            if (!std::isfinite(v)) { __builtin_trap(); }
        }
        for (const double v : data.y)
        {
            if (!std::isfinite(v)) { __builtin_trap(); }
        }

        std::string text;
        for (std::size_t j = 0; j <= data.features(); ++j) { text += j == 0 ? "c0" : ",c" + std::to_string(j); }
        text += '\n';
        char buf[32];
        for (std::size_t i = 0; i < data.size(); ++i)
        {
            for (std::size_t j = 0; j < data.features(); ++j)
            {
                std::snprintf(buf, sizeof buf, "%.17g,", data.x(i, j));
                text += buf;
            }
            std::snprintf(buf, sizeof buf, "%.17g\n", data.y(i));
            text += buf;
        }
        std::istringstream again(text);
        const xoptim::dataset copy = xoptim::parse_csv(again, "copy");
        if (copy.x != data.x || copy.y != data.y) { __builtin_trap(); }
    }
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::istringstream in(text);
    try
    {
        check_parsed(xoptim::parse_csv(in, "input.csv"));
    }
    catch (const xoptim::csv_error& e)
    {
        // The message starts with the name, and a line it names is one the input has.
        if (std::string(e.what()).rfind("input.csv", 0) != 0) { __builtin_trap(); }
        const std::size_t lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
        if (e.line() > lines + 1) { __builtin_trap(); }
    }
    return 0;
}
