#pragma once
// The flags of `xoptim-viz report`, their help, and the settings they make.

#include <ostream>
#include <span>
#include <string>

#include "../cli.hpp"
#include "settings.hpp"

namespace xoptim_viz::report
{
    /// The settings of a command line (the words after `report`), parsed by CLI11
    /// (command_line.hpp); bad input raises usage_error naming the flag and value.
    settings read_settings(std::span<const std::string> args);

    void print_report_help(std::ostream& out);
}
