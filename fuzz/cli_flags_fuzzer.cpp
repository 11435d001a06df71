// libFuzzer target for xoptim-viz's flag parsing (CLI11, command_line.hpp) and its optimizer table (clang
// -fsanitize=fuzzer,address,undefined; built with tools/xoptim-viz/optimizer_table.cpp).
//
// The first byte of an input picks a named optimizer; the rest, split at newlines, is the
// command line. Parsing the flags and building the optimizer may only fail with usage_error.
// An optimizer that is built must take a step on two parameters; a step that throws must
// leave the parameters bit for bit as they were.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "cli.hpp"
#include "command_line.hpp"
#include "hyperparameter_flags.hpp"
#include "optimizer_table.hpp"

namespace
{
    std::vector<std::string> split_lines(const char* p, std::size_t n)
    {
        std::vector<std::string> out;
        std::string current;
        for (std::size_t i = 0; i < n; ++i)
        {
            if (p[i] == '\n')
            {
                out.push_back(current);
                current.clear();
            }
            else { current += p[i]; }
        }
        if (!current.empty()) { out.push_back(current); }
        return out;
    }
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) { return 0; }
    const auto names = xoptim_viz::optimizer_names();
    const std::string name(names[data[0] % names.size()]);
    const auto args = split_lines(reinterpret_cast<const char*>(data + 1), size - 1);

    xoptim_viz::any_optimizer opt;
    try
    {
        xoptim_viz::hyperparameter_values given;
        xoptim_viz::command_line line("", "");
        xoptim_viz::add_hyperparameter_flags(line, given);
        line.parse(args);
        const auto flags = xoptim_viz::hyperparameter_flags();
        for (const auto& entry : given)
        {
            // Not a structured binding: clang 14 does not capture one in a lambda.
            if (std::none_of(flags.begin(), flags.end(), [&](const auto& f) { return f.name == entry.first; }))
            {
                __builtin_trap();
            }
        }
        opt = xoptim_viz::make_optimizer(name, given);
    }
    catch (const xoptim_viz::usage_error& e)
    {
        if (std::strlen(e.what()) == 0) { __builtin_trap(); }
        return 0;
    }
    if (!opt) { __builtin_trap(); }
    // Muon and Shampoo step theta as a 1 x 2 matrix; the others ignore the shape.
    opt.set_matrix_shape(1, 2);

    xoptim_viz::vector theta = {1.5, -2.0};
    const xoptim_viz::vector grad = {0.5, -0.25};
    for (int k = 0; k < 3; ++k)
    {
        const xoptim_viz::vector before = theta;
        try
        {
            opt.step(theta, grad);
        }
        catch (const std::exception&)
        {
            if (std::memcmp(before.data(), theta.data(), 2 * sizeof(double)) != 0) { __builtin_trap(); }
            return 0;
        }
    }
    return 0;
}
