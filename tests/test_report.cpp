// xoptim-viz report, run as a program: the figures exist and parse as XML, the animations are
// there, the summary agrees with fits done here with the library, divergence leaves no NaN in
// a picture, and bad flags are refused with one line and exit status 2.

#include <doctest/doctest.h>

#include "cli_support.hpp"

#ifdef XOPTIM_TEST_HAS_VIZ

#include <xoptim/any_optimizer.hpp>
#include <xoptim/core/chain.hpp>
#include <xoptim/core/optimizer.hpp>
#include <xoptim/fit.hpp>
#include <xoptim/losses/mse.hpp>
#include <xoptim/losses/rmse.hpp>
#include <xoptim/optimizers.hpp>
#include <xoptim/problems/linear_regression.hpp>
#include <xoptim/problems/seed_data.hpp>
#include <xoptim/rules/add_decayed_weights.hpp>
#include <xoptim/rules/ewma.hpp>
#include <xoptim/rules/scale_by_adam.hpp>
#include <xoptim/rules/scale_by_lr.hpp>
#include <xoptim/rules/trace.hpp>

#include "paths.hpp"
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace
{

    namespace fs = std::filesystem;
    using vec = xt::xtensor<double, 1>;

    const fs::path output_dir = fs::path(xoptim_test::output_dir()) / "report";

    using xoptim_test::cli_run;
    using xoptim_test::quoted;
    const auto slurp = [](const fs::path& p) { return xoptim_test::read_file(p); };

    cli_run run_report(const std::string& args) { return xoptim_test::run_viz(output_dir, "report " + args); }

    /// A fresh directory for one report.
    fs::path fresh(const std::string& name)
    {
        const fs::path dir = output_dir / name;
        fs::remove_all(dir);
        return dir;
    }

    /// xmllint --noout on every file: true when all parse as XML.
    bool well_formed(const std::vector<fs::path>& files)
    {
        std::string command = "xmllint --noout";
        for (const auto& f : files) { command += " " + quoted(f); }
        command += " 2> " + quoted(output_dir / "xmllint.err");
        return std::system(command.c_str()) == 0;
    }

    std::vector<fs::path> files_with(const fs::path& dir, const std::string& extension)
    {
        std::vector<fs::path> out;
        for (const auto& e : fs::directory_iterator(dir))
        {
            if (e.path().extension() == extension) { out.push_back(e.path()); }
        }
        std::sort(out.begin(), out.end());
        return out;
    }

    std::size_t count_of(const std::string& text, const std::string& what)
    {
        std::size_t n = 0;
        for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + what.size())) { ++n; }
        return n;
    }

    std::vector<std::string> split(const std::string& line, char sep = ',')
    {
        std::vector<std::string> out(1);
        for (char c : line)
        {
            if (c == sep) { out.emplace_back(); }
            else if (c != '\r') { out.back() += c; }
        }
        return out;
    }

    /// summary.csv as one map per row, by column name.
    std::vector<std::map<std::string, std::string>> read_summary(const fs::path& file)
    {
        std::istringstream in(slurp(file));
        std::string line;
        std::getline(in, line);
        const auto header = split(line);
        std::vector<std::map<std::string, std::string>> rows;
        while (std::getline(in, line))
        {
            if (line.empty()) { continue; }
            const auto cells = split(line);
            REQUIRE(cells.size() == header.size());
            std::map<std::string, std::string> row;
            for (std::size_t c = 0; c < header.size(); ++c) { row[header[c]] = cells[c]; }
            rows.push_back(std::move(row));
        }
        return rows;
    }

    /// No picture may hold a non-finite number or point outside the file.
    void check_pictures_clean(const fs::path& dir)
    {
        const std::regex bad_number("=\"[^\"]*(nan|NaN|inf\\b|Infinity)");
        for (const auto& f : files_with(dir, ".svg"))
        {
            const std::string text = slurp(f);
            INFO(f.string());
            CHECK_FALSE(std::regex_search(text, bad_number));
            CHECK(count_of(text, "http") == count_of(text, "http://www.w3.org/2000/svg"));
        }
        const std::string html = slurp(dir / "index.html");
        CHECK(count_of(html, "http") == count_of(html, "http://www.w3.org/1999/xhtml"));
        CHECK(html.find("<script") == std::string::npos);
        CHECK(html.find("@font-face") == std::string::npos);
    }

    /// A direct fit with the library: the notebook's variant `id` as the chain of
    /// docs/optimizers.md, RMSE or MSE on the seed's data from (-20, -10), `steps` steps.
    xoptim::fit_result direct_fit(const std::string& id, double lr, const std::string& loss, std::size_t steps)
    {
        using namespace xoptim;
        const dataset data = seed_data(0);
        const add_decayed_weights decay{.weight_decay = 0.1};
        const scale_by_lr<double> rate{.lr = lr};
        fit_options o;
        o.steps = steps;
        if (id == "minibatch_sgd") { o.batch_size = 10; }
        const auto go = [&](auto opt) {
            vec theta{-20.0, -10.0};
            if (loss == "mse") { return fit(linear_regression<mse>(data), opt, theta, o, stop_on_divergence(1e4)); }
            return fit(linear_regression<rmse>(data), opt, theta, o, stop_on_divergence(1e4));
        };
        if (id == "sgd" || id == "minibatch_sgd") { return go(optimizer(chain(rate))); }
        if (id == "sgd_wd") { return go(optimizer(chain(decay, rate))); }
        if (id == "sgd_wd_momentum") { return go(optimizer(chain(trace{.momentum = 0.9}, decay, rate))); }
        if (id == "sgd_wd_ewma") { return go(optimizer(chain(ewma{.decay = 0.9, .debias = false}, decay, rate))); }
        if (id == "sgd_wd_debiased") { return go(optimizer(chain(ewma{.decay = 0.9, .debias = true}, decay, rate))); }
        if (id == "adam")
        {
            return go(optimizer(chain(scale_by_adam{.beta1 = 0.9, .beta2 = 0.99, .eps = 1e-6}, decay, rate)));
        }
        REQUIRE(id == "lamb");
        return go(lamb({.lr = lr, .beta1 = 0.9, .beta2 = 0.99, .eps = 1e-6, .weight_decay = 0.1, .trust_clip = 10.0}));
    }

    const std::vector<std::string> all_variants{"sgd",  "sgd_wd", "sgd_wd_momentum", "sgd_wd_ewma", "sgd_wd_debiased",
                                                "adam", "lamb",   "minibatch_sgd"};

}  // namespace

TEST_CASE("report: the default report has every figure, well-formed, animated and self-contained")
{
    const fs::path dir = fresh("default");
    const auto r = run_report("--out " + quoted(dir));
    REQUIRE_MESSAGE(r.status == 0, r.err);
    CHECK(r.err.empty());
    CHECK(r.out.find("index.html") != std::string::npos);

    std::vector<std::string> expected{"data.svg",    "data.csv",   "surfaces.csv",
                                      "summary.csv", "summary.md", "index.html"};
    for (const std::string loss : {"mse", "rmse", "mae"})
    {
        expected.push_back("surface_" + loss + ".svg");
        expected.push_back("contour_" + loss + ".svg");
        expected.push_back("map_" + loss + ".svg");  // the contour background the pictures share
    }
    expected.push_back("map_rmse_inset.svg");  // the inset around the optimum
    for (const std::string lr : {"lr0.1", "lr1"})
    {
        for (const std::string kind : {"loss_", "paths_"})
        {
            expected.push_back(kind + lr + ".svg");
            expected.push_back(kind + lr + ".csv");
        }
        for (const auto& v : all_variants)
        {
            expected.push_back("anim_" + lr + "_" + v + ".svg");
            expected.push_back("history_" + lr + "_" + v + ".csv");
        }
    }
    for (const auto& name : expected)
    {
        INFO(name);
        CHECK(fs::is_regular_file(dir / name));
    }
    // Every picture and the page parse as XML.
    auto xml = files_with(dir, ".svg");
    CHECK(xml.size() == 3 * 3 + 1 + 1 + 2 * (2 + 8));
    xml.push_back(dir / "index.html");
    CHECK(well_formed(xml));
    check_pictures_clean(dir);

    // Animations: every run's figure moves a marker, grows a path, moves the fitted line and
    // the cursors; the paths map moves one marker per optimizer.
    for (const auto& f : files_with(dir, ".svg"))
    {
        const std::string name = f.filename().string();
        const std::string text = slurp(f);
        INFO(name);
        const bool inset = text.find("class=\"inset\"") != std::string::npos;
        if (name.rfind("anim_", 0) == 0)
        {
            // Map marker, loss marker (and the inset's marker).
            CHECK(count_of(text, "attributeName=\"cx\"") == (inset ? 3 : 2));
            // The path, its halo and the mask that reveals its iterates' dots share one growing
            // stroke (the inset has its own).
            CHECK(count_of(text, "attributeName=\"stroke-dashoffset\"") == (inset ? 2 : 1));
            CHECK(count_of(text, "<use href=\"#stroke") == (inset ? 6 : 3));
            CHECK(count_of(text, "attributeName=\"y1\"") == 1);  // the fitted line's ends
            CHECK(count_of(text, "type=\"translate\"") == 3);    // the caption, two cursors
            CHECK(text.find("repeatCount=\"indefinite\"") != std::string::npos);
            // Discrete frames, evenly spaced: one value per frame (101 for 100 iterations), then
            // the last one held 1.5 s (15 frames of 0.1 s); no gliding between them.
            const std::regex values("attributeName=\"cx\" values=\"([^\"]*)\" dur=\"11.6s\" begin=\"0s\" "
                                    "calcMode=\"discrete\"");
            std::smatch m;
            REQUIRE(std::regex_search(text, m, values));
            CHECK(count_of(m[1].str(), ";") == 100 + 15);
            CHECK(text.find("calcMode=\"linear\"") == std::string::npos);
            // The shared contour background, and the play/pause/scrub controls with their script.
            CHECK(text.find("<image href=\"map_rmse.svg\"") != std::string::npos);
            CHECK(text.find("class=\"controls\"") != std::string::npos);
            CHECK(count_of(text, "<script>") == 1);
        }
        else if (name.rfind("paths_", 0) == 0)
        {
            CHECK(count_of(text, "attributeName=\"cx\"") >= 8);
            CHECK(text.find("class=\"controls\"") != std::string::npos);
        }
        else
        {
            CHECK(text.find("<animate") == std::string::npos);
            CHECK(text.find("<script") == std::string::npos);
        }
    }

    // The page shows every figure by a relative path, and the settings.
    const std::string html = slurp(dir / "index.html");
    for (const auto& f : files_with(dir, ".svg"))
    {
        const std::string name = f.filename().string();
        INFO(name);
        if (name.rfind("map_", 0) == 0) { CHECK(html.find(name) == std::string::npos); }  // backgrounds only
        else if (name.rfind("anim_", 0) == 0 || name.rfind("paths_", 0) == 0 || name.rfind("contour_", 0) == 0)
        {
            // A document of its own, so that its controls run and its background loads.
            CHECK(html.find("<object data=\"" + name + "\" type=\"image/svg+xml\"") != std::string::npos);
        }
        else { CHECK(html.find("src=\"" + name + "\"") != std::string::npos); }
    }
    CHECK(html.find("name=\"viewport\"") != std::string::npos);
    CHECK(html.find("weight decay") != std::string::npos);
    CHECK(html.find("Conclusion") != std::string::npos);
    // The loss per iteration is on a log axis by default.
    CHECK(slurp(dir / "loss_lr1.svg").find("(log scale)") != std::string::npos);
    // Each contour map marks its own loss's optimum.
    CHECK(html.find("MAE: contour map (levels spaced in log); the cross marks the least absolute deviations optimum")
          != std::string::npos);
    CHECK(html.find("RMSE: contour map (levels spaced in log); the cross marks the least squares optimum")
          != std::string::npos);

    // How each run ends: a wobble is not a limit cycle.
    std::map<std::string, std::string> ending;
    for (const auto& row : read_summary(dir / "summary.csv"))
    {
        ending[row.at("lr") + " " + row.at("optimizer")] = row.at("settling");
    }
    CHECK(ending.at("1 lamb") == "limit cycle");
    CHECK(ending.at("1 sgd") == "limit cycle");
    CHECK(ending.at("1 adam") == "wobble");
    CHECK(ending.at("1 sgd_wd") == "at rest");
    CHECK(ending.at("0.1 sgd") == "still descending");
    CHECK(ending.at("0.1 sgd_wd_momentum") == "settled");
    // And why plain sgd keeps bouncing on RMSE at lr 1: stable only below 2 RMSE* / lambda_max.
    const std::string md = slurp(dir / "summary.md");
    CHECK(md.find("Why a fixed rate keeps bouncing on RMSE") != std::string::npos);
    CHECK(md.find("lr < 2 RMSE* / lambda = 0.5376") != std::string::npos);
}

TEST_CASE("report: --embed-maps gives pictures that stand alone, for an <img>")
{
    const fs::path dir = fresh("embed");
    const auto r = run_report("--out " + quoted(dir) + " --iterations 10 --optimizers sgd,lamb --lr 1 --embed-maps");
    REQUIRE_MESSAGE(r.status == 0, r.err);
    CHECK(files_with(dir, ".svg").size() == 3 * 2 + 1 + 2 + 2);
    for (const auto& f : files_with(dir, ".svg"))
    {
        INFO(f.string());
        CHECK(f.filename().string().rfind("map_", 0) != 0);
        CHECK(slurp(f).find("<image") == std::string::npos);
    }
    CHECK(slurp(dir / "anim_lr1_lamb.svg").find("class=\"contours\"") != std::string::npos);
}

TEST_CASE("report: the summary matches fits done directly with the library")
{
    const fs::path dir = fresh("summary");
    const auto r = run_report("--out " + quoted(dir) + " --frames 5");
    REQUIRE_MESSAGE(r.status == 0, r.err);
    const auto rows = read_summary(dir / "summary.csv");
    REQUIRE(rows.size() == 2 * all_variants.size());

    const xoptim::linear_regression<xoptim::rmse> problem(xoptim::seed_data(0));
    const vec ls = problem.least_squares();
    const double best = problem.value(ls);
    std::map<std::string, double> final_at_1;
    for (const auto& row : rows)
    {
        const double lr = std::stod(row.at("lr"));
        const std::string id = row.at("optimizer");
        INFO(id << " at lr " << lr);
        const auto fit = direct_fit(id, lr, "rmse", 100);
        const auto& last = fit.history.back();
        CHECK(std::stoul(row.at("iterations_run")) == fit.history.size() - 1);
        CHECK(std::stod(row.at("final_loss")) == doctest::Approx(last.loss).epsilon(1e-12));
        CHECK(std::stod(row.at("optimal_loss")) == doctest::Approx(best).epsilon(1e-12));
        const double distance = std::hypot(last.theta(0) - ls(0), last.theta(1) - ls(1));
        CHECK(std::stod(row.at("distance_to_optimum")) == doctest::Approx(distance).epsilon(1e-9));
        CHECK(std::stod(row.at("final_theta0")) == doctest::Approx(last.theta(0)).epsilon(1e-12));
        std::optional<std::size_t> reached;
        for (std::size_t k = 0; k < fit.history.size() && !reached; ++k)
        {
            if (fit.history[k].loss <= 1.01 * best) { reached = k; }
        }
        CHECK(row.at("iterations_to_1pct") == (reached ? std::to_string(*reached) : std::string()));
        CHECK(row.at("diverged") == (fit.reason == xoptim::stop_reason::diverged ? "true" : "false"));
        if (lr == 1.0) { final_at_1[id] = last.loss; }
    }
    // The verdict follows from LAMB's run at lr 1: converged means within 1% at the end.
    const std::string md = slurp(dir / "summary.md");
    const auto conclusion = md.find("## Conclusion");
    REQUIRE(conclusion != std::string::npos);
    const bool lamb_within = final_at_1.at("lamb") <= 1.01 * best;
    if (!lamb_within) { CHECK(md.find("DOES NOT HOLD", conclusion) != std::string::npos); }
    CHECK(md.find("| LAMB |") != std::string::npos);
}

TEST_CASE("report: flags choose the rates, iterations, loss, start, optimizers, frames and scale")
{
    const fs::path dir = fresh("flags");
    const auto r = run_report("--out " + quoted(dir)
                              + " --lr 0.5 --iterations 20 --loss mse --init 1,2 --optimizers lamb,sgd --frames 7"
                                " --linear-scale");
    REQUIRE_MESSAGE(r.status == 0, r.err);
    CHECK(fs::is_regular_file(dir / "anim_lr0.5_lamb.svg"));
    CHECK(fs::is_regular_file(dir / "anim_lr0.5_sgd.svg"));
    CHECK_FALSE(fs::exists(dir / "anim_lr0.5_adam.svg"));
    CHECK_FALSE(fs::exists(dir / "loss_lr1.svg"));
    auto xml = files_with(dir, ".svg");
    xml.push_back(dir / "index.html");
    CHECK(well_formed(xml));
    check_pictures_clean(dir);

    const auto rows = read_summary(dir / "summary.csv");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].at("optimizer") == "lamb");
    CHECK(rows[1].at("optimizer") == "sgd");
    // sgd on MSE from (1, 2) for 20 steps, by hand with the library's problem.
    const xoptim::linear_regression<xoptim::mse> problem(xoptim::seed_data(0));
    vec theta{1.0, 2.0};
    vec g;
    for (int k = 0; k < 20; ++k)
    {
        problem.gradient(theta, g);
        theta(0) -= 0.5 * g(0);
        theta(1) -= 0.5 * g(1);
    }
    CHECK(std::stod(rows[1].at("final_loss")) == doctest::Approx(problem.value(theta)).epsilon(1e-12));
    CHECK(std::stod(rows[1].at("optimal_loss")) == doctest::Approx(problem.value(problem.least_squares())));
    CHECK(rows[1].at("iterations_run") == "20");

    // 7 frames: 7 values per moving position; the loss chart is on a linear scale.
    const std::string anim = slurp(dir / "anim_lr0.5_sgd.svg");
    const std::regex values("attributeName=\"cx\" values=\"([^\"]*)\"");
    std::smatch m;
    REQUIRE(std::regex_search(anim, m, values));
    // 7 frames over 4 s, then the last held for round(1.5 s / (4 s / 7)) = 3 more.
    CHECK(count_of(m[1].str(), ";") == 6 + 3);
    CHECK(slurp(dir / "loss_lr0.5.svg").find("(log scale)") == std::string::npos);
}

TEST_CASE("report: --optimizers adds the library's optimizers to the seed's variants")
{
    const fs::path dir = fresh("library_optimizers");
    const auto r =
        run_report("--out " + quoted(dir) + " --lr 0.1 --iterations 30 --loss mse --optimizers seed,nadam,rprop");
    REQUIRE_MESSAGE(r.status == 0, r.err);
    const auto rows = read_summary(dir / "summary.csv");
    REQUIRE(rows.size() == 10);
    CHECK(rows[0].at("optimizer") == "sgd");
    CHECK(rows[7].at("optimizer") == "minibatch_sgd");
    CHECK(rows[8].at("optimizer") == "nadam");
    CHECK(rows[9].at("optimizer") == "rprop");
    CHECK(fs::is_regular_file(dir / "anim_lr0.1_nadam.svg"));
    CHECK(slurp(dir / "index.html").find("nadam") != std::string::npos);
    // Each ran with the library's defaults but the rate, as a step loop by hand shows.
    const xoptim::linear_regression<xoptim::mse> problem(xoptim::seed_data(0));
    for (const std::size_t row : {std::size_t(8), std::size_t(9)})
    {
        const std::string name = rows[row].at("optimizer");
        auto opt = xoptim::make_optimizer<double>(name, {{"lr", 0.1}});
        vec theta{-20.0, -10.0};
        vec g;
        for (int k = 0; k < 30; ++k)
        {
            problem.gradient(theta, g);
            opt.step(theta, g);
        }
        INFO(name);
        CHECK(std::stod(rows[row].at("final_loss")) == doctest::Approx(problem.value(theta)).epsilon(1e-12));
    }
}

TEST_CASE("report: a 2-D test function has no data panel and one surface")
{
    const fs::path dir = fresh("objective");
    const auto r = run_report("--out " + quoted(dir) + " --objective himmelblau --lr 0.01 --iterations 40");
    REQUIRE_MESSAGE(r.status == 0, r.err);
    CHECK_FALSE(fs::exists(dir / "data.svg"));
    CHECK(fs::is_regular_file(dir / "surface_himmelblau.svg"));
    CHECK(fs::is_regular_file(dir / "contour_himmelblau.svg"));
    CHECK(fs::is_regular_file(dir / "anim_lr0.01_adam.svg"));
    CHECK_FALSE(fs::exists(dir / "anim_lr0.01_minibatch_sgd.svg"));
    auto xml = files_with(dir, ".svg");
    xml.push_back(dir / "index.html");
    CHECK(well_formed(xml));
    check_pictures_clean(dir);
    const auto rows = read_summary(dir / "summary.csv");
    CHECK(rows.size() == 7);
    // sgd from himmelblau's start (0, 0) at lr 0.01 reaches the minimum (3, 2).
    for (const auto& row : rows)
    {
        if (row.at("optimizer") == "sgd")
        {
            CHECK(std::stod(row.at("distance_to_optimum")) < 0.05);
            CHECK(std::stod(row.at("optimal_loss")) == 0.0);
        }
    }
}

TEST_CASE("report: a diverging run stops, is marked, and leaves no NaN in the pictures")
{
    const fs::path dir = fresh("diverged");
    const auto r = run_report("--out " + quoted(dir) + " --loss mse --lr 2 --iterations 40 --optimizers sgd,adam");
    REQUIRE_MESSAGE(r.status == 0, r.err);
    const auto rows = read_summary(dir / "summary.csv");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].at("diverged") == "true");
    CHECK(std::stoul(rows[0].at("iterations_run")) < 40);
    CHECK(rows[1].at("diverged") == "false");
    // The direct fit agrees on where it stopped.
    const auto fit = direct_fit("sgd", 2.0, "mse", 40);
    CHECK(fit.reason == xoptim::stop_reason::diverged);
    CHECK(std::stoul(rows[0].at("iterations_run")) == fit.history.size() - 1);
    auto xml = files_with(dir, ".svg");
    xml.push_back(dir / "index.html");
    CHECK(well_formed(xml));
    check_pictures_clean(dir);
    CHECK(slurp(dir / "anim_lr2_sgd.svg").find("diverged after iteration") != std::string::npos);
    CHECK(slurp(dir / "loss_lr2.svg").find("sgd (diverged at") != std::string::npos);
    CHECK(slurp(dir / "summary.md").find("yes, after") != std::string::npos);
}

TEST_CASE("report: bad flags exit 2 with one line on standard error")
{
    const fs::path dir = fresh("bad");
    for (const std::string args : {"--lr abc",
                                   "--lr 0",
                                   "--lr 0.1,0.1",
                                   "--optimizers sgd,nope",
                                   "--optimizers sgd,sgd",
                                   "--optimizers seed,sgd",
                                   "--optimizers lbfgs",
                                   "--optimizers nadam,nadam",
                                   "--loss huber",
                                   "--frames 1",
                                   "--iterations 0",
                                   "--init 1",
                                   "--objective nope",
                                   "--no-such-flag",
                                   "--objective rosenbrock --optimizers minibatch_sgd",
                                   "--objective rosenbrock --loss mse",
                                   "--momentum 1",
                                   "--eps 0",
                                   "--grid 2",
                                   "--linear-scale --log-scale",
                                   "positional"})
    {
        INFO(args);
        const auto r = run_report("--out " + quoted(dir) + " " + args);
        CHECK(r.status == 2);
        CHECK(r.out.empty());
        CHECK(r.err.rfind("xoptim-viz report: ", 0) == 0);
        CHECK(count_of(r.err, "\n") == 1);
    }
    CHECK_FALSE(fs::exists(dir));
    const auto help = run_report("--help");
    CHECK(help.status == 0);
    CHECK(help.out.find("minibatch_sgd") != std::string::npos);
}

#endif
