// xoptim-viz explore, and the flags of fit the explorer adds (--points, --noise): run as programs.
// The page itself runs in Chromium in tests/browser (ctest browser.explore).

#include <doctest/doctest.h>

#ifdef XOPTIM_TEST_HAS_VIZ

#include <xoptim/fit.hpp>
#include <xoptim/losses/mae.hpp>
#include <xoptim/optimizers.hpp>
#include <xoptim/problems/linear_regression.hpp>
#include <xoptim/problems/seed_data.hpp>

#include "cli_support.hpp"

#include "paths.hpp"
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace
{
    namespace fs = std::filesystem;
    using vec = xt::xtensor<double, 1>;

    const fs::path output_dir = fs::path(xoptim_test::output_dir()) / "cli_explore";

    using xoptim_test::quoted;
    using xoptim_test::read_file;

    xoptim_test::cli_run run(const std::string& args) { return xoptim_test::run_viz(output_dir, args); }

    std::string row(std::size_t step, const vec& theta, double loss)
    {
        char buf[160];
        std::snprintf(buf, sizeof buf, "%zu,%.17g,%.17g,%.17g\n", step, theta(0), theta(1), loss);
        return buf;
    }
}  // namespace

TEST_CASE("cli fit: --points and --noise redraw the seed's data set, and the rows are the library's")
{
    const auto r = run("fit --seed 3 --points 17 --noise 2.5 --loss mae --optimizer momentum --lr 0.1 --epochs 20 "
                       "--init -4,7");
    REQUIRE(r.status == 0);
    xoptim::seed_data_options o;
    o.size = 17;
    o.noise = 2.5;
    const xoptim::linear_regression<xoptim::mae> problem(xoptim::seed_data(3, o), xoptim::mae{});
    vec theta = {-4.0, 7.0};
    const auto result = xoptim::fit(problem, xoptim::momentum({.lr = 0.1}), theta, {.epochs = 20});
    std::string want = "step,theta0,theta1,loss\n";
    for (std::size_t k = 0; k < result.history.size(); ++k)
    {
        want += row(k, result.history[k].theta, result.history[k].loss);
    }
    CHECK(r.out == want);
    // Another size or noise is another data set.
    CHECK(
        run("fit --seed 3 --points 18 --noise 2.5 --loss mae --optimizer momentum --lr 0.1 --epochs 20 --init -4,7").out
        != want);
    CHECK(run("fit --seed 3 --points 17 --noise 2 --loss mae --optimizer momentum --lr 0.1 --epochs 20 --init -4,7").out
          != want);
    // The defaults are the seed's data set (100 points, noise 1).
    CHECK(run("fit --optimizer sgd --lr 0.1 --epochs 5 --points 100 --noise 1").out
          == run("fit --optimizer sgd --lr 0.1 --epochs 5").out);
}

TEST_CASE("cli fit: bad --points and --noise are bad input naming the flag and the value")
{
    const auto check = [](const std::string& flags, const std::string& says) {
        CAPTURE(flags);
        const auto r = run("fit --optimizer sgd " + flags);
        CHECK(r.status == 2);
        CHECK(r.out.empty());
        CHECK(r.err.find(says) != std::string::npos);
    };
    check("--points 0", "--points: between 1 and 1000000, got 0");
    check("--points -3", "--points: '-3' is not a non-negative integer");
    check("--noise -1", "--noise: a finite number >= 0, got -1");
    check("--noise inf", "--noise: 'inf' is not a finite number");
    check("--noise 1 --objective rosenbrock", "--noise does not apply with --objective");
    check("--points 5 --outputs 2", "--points applies to the seed's one-output data set");
    check("--points 5 --data " + quoted(fs::path(xoptim_test::data_dir()) / "data.csv"),
          "--points applies to the seed's data set, not with --data");
}

TEST_CASE("cli explore: writes the page the build made, self-contained, and refuses bad input")
{
    const fs::path built = xoptim_test::explore_html();
    const fs::path dir = output_dir / "page";
    fs::remove_all(dir);
    if (built.empty())
    {
        // Built without em++: explore says so and writes nothing.
        const auto r = run("explore --out " + quoted(dir));
        CHECK(r.status == 1);
        CHECK(r.err.find("built without the explorer page") != std::string::npos);
        CHECK(!fs::exists(dir / "explore.html"));
        return;
    }
    const auto r = run("explore --out " + quoted(dir));
    REQUIRE(r.status == 0);
    CHECK(r.out.find((dir / "explore.html").string()) != std::string::npos);
    const std::string page = read_file(dir / "explore.html");
    CHECK(page == read_file(built));
    CHECK(page.find("<meta name=\"viewport\"") != std::string::npos);
    CHECK(page.find("window.xoptim = api") != std::string::npos);
    // The WebAssembly is inside (no file to fetch), and nothing comes from the network.
    CHECK(page.find("data:application/octet-stream;base64,") != std::string::npos);
    CHECK(page.find(" src=\"") == std::string::npos);
    CHECK(page.find("<link") == std::string::npos);

    // An existing page is replaced by a complete one.
    std::ofstream(dir / "explore.html") << "old";
    CHECK(run("explore --out " + quoted(dir)).status == 0);
    CHECK(read_file(dir / "explore.html") == page);

    // A file where the folder should be: status 1, the file as it was.
    const fs::path blocker = output_dir / "not-a-folder";
    std::ofstream(blocker) << "keep";
    const auto blocked = run("explore --out " + quoted(blocker));
    CHECK(blocked.status == 1);
    CHECK(blocked.err.find("--out " + blocker.string()) != std::string::npos);
    CHECK(read_file(blocker) == "keep");

    const auto missing = run("explore");
    CHECK(missing.status == 2);
    CHECK(missing.err.find("--out DIR is required") != std::string::npos);
    CHECK(run("explore --out " + quoted(dir) + " --lr 1").status == 2);
    const auto help = run("explore --help");
    CHECK(help.status == 0);
    CHECK(help.out.find("window.xoptim.run(settings)") != std::string::npos);
}

TEST_CASE("cli report: writes the explorer beside index.html, which links to it")
{
    const fs::path dir = output_dir / "report";
    fs::remove_all(dir);
    const auto r = run("report --out " + quoted(dir) + " --iterations 5 --frames 3 --grid 20");
    REQUIRE(r.status == 0);
    const std::string index = read_file(dir / "index.html");
    if (std::string(xoptim_test::explore_html()).empty())
    {
        CHECK(!fs::exists(dir / "explore.html"));
        CHECK(index.find("explore.html") == std::string::npos);
        return;
    }
    CHECK(read_file(dir / "explore.html") == read_file(xoptim_test::explore_html()));
    CHECK(index.find("href=\"explore.html\"") != std::string::npos);
    CHECK(r.out.find((dir / "explore.html").string()) != std::string::npos);
}

#endif
