// xoptim-viz explore: writes the explorer, one self-contained page (the library compiled to
// WebAssembly inside it) where a reader races the optimizers on a loss map, live.

#include <filesystem>
#include <optional>
#include <ostream>
#include <span>
#include <stdexcept>
#include <string>

#include <xoptim/viz/file.hpp>

#include "cli.hpp"
#include "command_line.hpp"
#include "explore_page.hpp"

namespace xoptim_viz
{
    namespace
    {
        constexpr const char* usage = "xoptim-viz explore --out DIR";

        constexpr const char* description =
            "Writes DIR/explore.html: one page that works opened straight from disk (no server, no\n"
            "network). It holds the library itself compiled to WebAssembly, and runs `xoptim-viz fit`\n"
            "in the browser on every change: pick the optimizers to race on one loss map, set the\n"
            "learning rate and the other hyperparameters, choose the loss on the seed's data (or a 2-D\n"
            "test function), drag the start point, redraw the data, and play, pause or scrub the\n"
            "iterations. Its numbers equal `xoptim-viz fit`'s with the same flags to the last bit;\n"
            "window.xoptim.run(settings) returns them (docs/cli.md).\n"
            "\n"
            "DIR is created when missing; an existing explore.html is replaced only by a complete one.\n"
            "Exit status: 0 written; 2 bad input; 1 the page could not be written, or this\n"
            "xoptim-viz was built without it (it needs em++: Debian's emscripten).";

    }  // namespace

    int explore_command(std::span<const std::string> args, std::ostream& out, std::ostream& err)
    {
        try
        {
            std::optional<std::string> dir;
            command_line line(usage, description);
            line.add_text("--out", dir, "DIR", "the folder to write explore.html into (required)");
            for (const auto& a : args)
            {
                if (a == "--help")
                {
                    line.print_help(out);
                    return exit_ok;
                }
            }
            line.parse(args);
            if (!dir) { throw usage_error("--out DIR is required"); }
            if (dir->empty()) { throw usage_error("--out: an empty path"); }
            if (explore_page().empty())
            {
                err << "xoptim-viz explore: this xoptim-viz was built without the explorer page: "
                    << explore_page_missing() << "\n";
                return exit_failure;
            }
            const std::filesystem::path folder(*dir);
            std::error_code ec;
            std::filesystem::create_directories(folder, ec);
            if (ec || !std::filesystem::is_directory(folder))
            {
                err << "xoptim-viz explore: --out " << *dir << ": cannot create the folder"
                    << (ec ? ": " + ec.message() : std::string(" (a file is in the way)")) << "\n";
                return exit_failure;
            }
            const std::filesystem::path page = folder / "explore.html";
            try
            {
                xoptim::viz::write_text_file(page.string(), explore_page());
            }
            catch (const std::runtime_error& e)
            {
                err << "xoptim-viz explore: " << e.what() << "\n";
                return exit_failure;
            }
            out << "wrote " << page.string() << " (" << explore_page().size() / 1024 << " KB; open it in a browser)\n";
            return exit_ok;
        }
        catch (const usage_error& e)
        {
            err << "xoptim-viz explore: " << e.what() << "\n";
            return exit_usage;
        }
    }
}  // namespace xoptim_viz
