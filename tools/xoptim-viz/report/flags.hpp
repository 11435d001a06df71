#pragma once
// The flags of `xoptim-viz report`, their help, and the settings they make.

#include <ostream>
#include <span>

#include "../cli.hpp"
#include "settings.hpp"

namespace xoptim_viz::report
{
    extern const std::span<const flag> report_flags;

    /// The settings of a command line; bad input raises usage_error naming the flag and value.
    settings read_settings(const parsed_flags& given);

    void print_report_help(std::ostream& out);
}
