// xoptim-viz: one executable, one subcommand per file (<name>_command.cpp).

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cli.hpp"
#include "distributed.hpp"

// The subcommands, one line each: X(name, one-line summary). A subcommand `name` is the
// function xoptim_viz::name_command(args, out, err) defined in name_command.cpp; it returns
// the exit status.
#define XOPTIM_VIZ_SUBCOMMANDS(X)                                                                                      \
    X(fit, "run one optimizer on a problem and write its trajectory as CSV")                                           \
    X(report, "reproduce the seed post: figures, animations, summary and index.html")                                  \
    X(explore, "write the explorer: a page that runs the library in the browser, live")

namespace xoptim_viz
{

#define XOPTIM_VIZ_DECLARE(name, summary)                                                                              \
    int name##_command(std::span<const std::string> args, std::ostream& out, std::ostream& err);
    XOPTIM_VIZ_SUBCOMMANDS(XOPTIM_VIZ_DECLARE)
#undef XOPTIM_VIZ_DECLARE

    namespace
    {

        struct subcommand
        {
            std::string_view name;
            std::string_view summary;
            int (*run)(std::span<const std::string>, std::ostream&, std::ostream&);
        };

#define XOPTIM_VIZ_ENTRY(name, summary) subcommand{#name, summary, &name##_command},
        const subcommand subcommands[] = {XOPTIM_VIZ_SUBCOMMANDS(XOPTIM_VIZ_ENTRY)};
#undef XOPTIM_VIZ_ENTRY

        void print_usage(std::ostream& out)
        {
            out << "usage: xoptim-viz <subcommand> [flags]\n"
                   "       xoptim-viz <subcommand> --help\n\n"
                   "Gradient-based optimizers from the xoptim library, run and drawn.\n\n"
                   "subcommands:\n";
            std::size_t width = 0;
            for (const auto& s : subcommands) { width = std::max(width, s.name.size()); }
            for (const auto& s : subcommands)
            {
                out << "  " << s.name << std::string(width - s.name.size() + 2, ' ') << s.summary << "\n";
            }
        }

        std::string subcommand_names()
        {
            std::vector<std::string_view> names;
            for (const auto& s : subcommands) { names.push_back(s.name); }
            return join(names);
        }

    }  // namespace
}  // namespace xoptim_viz

int main(int argc, char** argv)
{
    using namespace xoptim_viz;
    const mpi_session mpi(argc, argv);
    if (const auto refusal = mpi.refusal(); !refusal.empty())
    {
        std::cerr << "xoptim-viz: " << refusal << "\n";
        return exit_usage;
    }
    std::ios::sync_with_stdio(false);
    // A file size limit (ulimit -f) makes a write fail with EFBIG, reported like any other
    // write error, instead of killing the process without a word.
    std::signal(SIGXFSZ, SIG_IGN);
    // Standard output through a buffer whose every write is checked: a failed write throws,
    // and is reported as an I/O error (status 1) with the file's path.
    checked_fd_buffer out_buffer(STDOUT_FILENO, "standard output");
    std::ostream out(&out_buffer);
    out.exceptions(std::ios::badbit);
    const std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
    if (args.empty())
    {
        std::cerr << "xoptim-viz: no subcommand (choose from: " << subcommand_names() << "; see --help)\n";
        return exit_usage;
    }
    if (args[0] == "--help" || args[0] == "-h" || args[0] == "help")
    {
        try
        {
            print_usage(out);
            out.flush();
        }
        catch (const std::exception& e)
        {
            std::cerr << "xoptim-viz: error: " << e.what() << "\n";
            return exit_failure;
        }
        return exit_ok;
    }
    for (const auto& s : subcommands)
    {
        if (args[0] == s.name)
        {
            try
            {
                const int status = s.run(std::span(args).subspan(1), out, std::cerr);
                out.flush();
                return status;
            }
            catch (const std::exception& e)
            {
                // Under mpirun the other ranks may wait for this one: unexpected_error ends the job.
                return unexpected_error("xoptim-viz " + std::string(s.name) + ": error: " + e.what(), exit_failure);
            }
        }
    }
    std::cerr << "xoptim-viz: unknown subcommand '" << args[0] << "' (choose from: " << subcommand_names() << ")\n";
    return exit_usage;
}
