// xoptim-viz fit with Muon and Shampoo: on the multi-output regression (--outputs K, whose
// parameters are the matrix W) its rows are the library's own run bit for bit, a checkpoint
// resumes to the uninterrupted rows, and a vector problem gets one line saying a matrix is needed.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <xoptim/losses/huber.hpp>
#include <xoptim/muon.hpp>
#include <xoptim/problems/multi_output_regression.hpp>
#include <xoptim/shampoo.hpp>
#include <xtensor/xtensor.hpp>

#include "cli_support.hpp"
#include "paths.hpp"

#ifdef XOPTIM_TEST_HAS_VIZ
namespace
{
    namespace fs = std::filesystem;
    using mat = xt::xtensor<double, 2>;
    using rows_type = std::vector<std::vector<double>>;

    const fs::path folder = fs::path(xoptim_test::output_dir()) / "cli_matrix";

    xoptim_test::cli_run run(const std::string& args) { return xoptim_test::run_viz(folder, args); }

    // 17 significant digits: the double back exactly.
    std::string exact(double v)
    {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.17g", v);
        return buf;
    }

    // The library's run of `opt` on `problem` from W = 0: rows step, W row by row, loss.
    template <class Problem, class M>
    rows_type library_rows(const Problem& problem, M opt, std::size_t steps)
    {
        const auto shape = problem.matrix_shape();
        mat w = xt::zeros<double>({shape[0], shape[1]});
        mat g = xt::zeros<double>({shape[0], shape[1]});
        rows_type out;
        double loss = problem.value_and_gradient(w, g);
        for (std::size_t k = 0; k <= steps; ++k)
        {
            if (k > 0)
            {
                opt.step(w, g);
                loss = problem.value_and_gradient(w, g);
            }
            std::vector<double> row{static_cast<double>(k)};
            row.insert(row.end(), w.begin(), w.end());
            row.push_back(loss);
            out.push_back(row);
        }
        return out;
    }
}

TEST_CASE("xoptim-viz fit --optimizer muon --outputs 4: the library's Muon on the generated W, bit for bit")
{
    const auto r = run("fit --optimizer muon --outputs 4 --lr 0.4 --weight-decay 0.01 --momentum 0.9 --epochs 40");
    REQUIRE(r.status == 0);
    CHECK(r.err.empty());
    CHECK(r.out.rfind("step,theta0,theta1,", 0) == 0);
    CHECK(r.out.find(",theta35,loss\n") != std::string::npos);
    const auto rows = xoptim_test::csv_rows(r.out);
    const xoptim::multi_output_regression<xoptim::mse> problem(xoptim::multi_output_data(0, {.outputs = 4}));
    xoptim::muon_options o;
    o.lr = 0.4;
    o.weight_decay = 0.01;
    o.momentum = 0.9;
    const auto expected = library_rows(problem, xoptim::muon<double>(o), 40);
    CHECK(rows == expected);
    // Muon does fit: the loss falls by more than an order of magnitude.
    CHECK(rows.back().back() < rows.front().back() / 10);
}

TEST_CASE("xoptim-viz fit --optimizer shampoo on --data with --outputs 2, huber and mini-batch flags")
{
    fs::create_directories(folder);
    const auto file = folder / "two_targets.csv";
    {
        std::ofstream out(file);
        out << "a,b,c,y1,y2\n";
        const auto d = xoptim::multi_output_data(5, {.size = 30, .features = 3, .outputs = 2});
        for (std::size_t i = 0; i < 30; ++i)
        {
            out << exact(d.x(i, 0)) << ',' << exact(d.x(i, 1)) << ',' << exact(d.x(i, 2)) << ',' << exact(d.y(i, 0))
                << ',' << exact(d.y(i, 1)) << '\n';
        }
    }
    const auto r = run("fit --data " + xoptim_test::quoted(file)
                       + " --outputs 2 --loss huber --optimizer shampoo --lr 0.1 --precondition-frequency 2 "
                         "--epochs 20");
    REQUIRE(r.status == 0);
    const auto rows = xoptim_test::csv_rows(r.out);
    const xoptim::multi_output_regression<xoptim::huber> problem(
        xoptim::multi_output_data(5, {.size = 30, .features = 3, .outputs = 2}));
    xoptim::shampoo_options o;
    o.lr = 0.1;
    o.precondition_frequency = 2;
    CHECK(rows == library_rows(problem, xoptim::shampoo<double>(o), 20));
}

TEST_CASE("xoptim-viz fit --optimizer muon: --checkpoint then --resume gives the uninterrupted rows")
{
    const std::string common = "fit --optimizer muon --outputs 3 --features 5 --lr 0.05 --no-nesterov";
    const auto whole = run(common + " --epochs 20");
    REQUIRE(whole.status == 0);
    const auto ckpt = folder / "muon.ckpt";
    fs::remove(ckpt);
    const auto first = run(common + " --epochs 8 --checkpoint " + xoptim_test::quoted(ckpt));
    REQUIRE(first.status == 0);
    const auto second = run(common + " --epochs 12 --resume " + xoptim_test::quoted(ckpt));
    REQUIRE(second.status == 0);
    const auto all = xoptim_test::csv_rows(whole.out);
    const auto tail = xoptim_test::csv_rows(second.out);
    REQUIRE(tail.size() == 13);
    for (std::size_t k = 0; k < tail.size(); ++k)
    {
        CAPTURE(k);
        CHECK(tail[k] == all[8 + k]);
    }
    // Other hyperparameters, or another problem, are refused by name with the file untouched.
    const auto before = xoptim_test::read_file(ckpt);
    const auto other = run(common + " --momentum 0.9 --epochs 2 --resume " + xoptim_test::quoted(ckpt));
    CHECK(other.status == 2);
    CHECK(other.out.empty());
    CHECK(other.err.find("hyperparameters differ from the command line's: momentum: expected 0.9, found 0.95")
          != std::string::npos);
    const auto moved = run("fit --optimizer muon --outputs 3 --features 6 --lr 0.05 --no-nesterov --epochs 2 --resume "
                           + xoptim_test::quoted(ckpt));
    CHECK(moved.status == 2);
    CHECK(moved.err.find("multi-output linear regression on 100 rows of 5 inputs") != std::string::npos);
    CHECK(xoptim_test::read_file(ckpt) == before);

    // A file whose Newton-Schulz coefficients (not a flag) differ, made by the library with the
    // same identity, is refused naming them.
    const auto id = xoptim::read_checkpoint_identity(ckpt);
    xoptim::muon_options o;
    o.lr = 0.05;
    o.nesterov = false;
    auto opt = xoptim::muon<double>(o);
    mat w = xt::zeros<double>({std::size_t{6}, std::size_t{3}});
    xoptim::load_checkpoint(ckpt, opt, w, id);
    CHECK(opt.step_count() == 8);
    o.ns_coefficients[0] = 3.0;
    opt.set_options(o);
    const auto edited = folder / "muon_coefficients.ckpt";
    xoptim::save_checkpoint(edited, opt, w, id);
    const auto coefficients = run(common + " --epochs 2 --resume " + xoptim_test::quoted(edited));
    CHECK(coefficients.status == 2);
    CHECK(coefficients.err.find("ns_coefficients: expected (3.4445, -4.775, 2.0315), found (3, -4.775, 2.0315)")
          != std::string::npos);
}

TEST_CASE("xoptim-viz fit --outputs 1 is the one-output regression, row for row")
{
    const std::string data = xoptim_test::quoted(fs::path(xoptim_test::data_dir()) / "data.csv");
    const auto single = run("fit --data " + data + " --optimizer adam --lr 0.1 --epochs 25 --loss rmse");
    const auto multi = run("fit --data " + data + " --outputs 1 --optimizer adam --lr 0.1 --epochs 25 --loss rmse");
    REQUIRE(single.status == 0);
    REQUIRE(multi.status == 0);
    CHECK(single.out == multi.out);
}

TEST_CASE("xoptim-viz fit --optimizer muon on a vector problem says Muon needs a matrix")
{
    for (const std::string args : {"fit --optimizer muon", "fit --optimizer muon --seed-data --lr 0.1",
                                   "fit --optimizer muon --objective rosenbrock"})
    {
        CAPTURE(args);
        const auto r = run(args);
        CHECK(r.status == 2);
        CHECK(r.out.empty());
        CHECK(r.err.find("muon needs a matrix parameter") != std::string::npos);
        CHECK(r.err.find("--outputs K") != std::string::npos);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    }
}

TEST_CASE("xoptim-viz fit --optimizer shampoo on a vector problem says Shampoo needs a matrix")
{
    const auto r = run("fit --optimizer shampoo");
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("shampoo needs a matrix parameter") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

TEST_CASE("xoptim-viz fit: the matrix optimizers' flags, their names and their errors")
{
    const auto help = run("fit --help");
    REQUIRE(help.status == 0);
    CHECK(help.out.find("  muon: Muon") != std::string::npos);
    CHECK(help.out.find("--ns-steps 5 --adjust-lr-fn original") != std::string::npos);
    CHECK(help.out.find("  shampoo: Shampoo") != std::string::npos);
    CHECK(help.out.find("--precondition-frequency 1") != std::string::npos);
    CHECK(help.out.find("[--no-use-bias-correction]") != std::string::npos);
    CHECK(help.out.find("--outputs K") != std::string::npos);

    const auto named = run("fit --optimizer muon --outputs 2 --adjust-lr-fn match_rms_adamw --epochs 3");
    CHECK(named.status == 0);
    const auto numbered = run("fit --optimizer muon --outputs 2 --adjust-lr-fn 1 --epochs 3");
    CHECK(numbered.out == named.out);
    const auto original = run("fit --optimizer muon --outputs 2 --epochs 3");
    CHECK(original.out != named.out);

    struct bad
    {
        std::string args, message;
    };
    const bad cases[] = {
        {"fit --optimizer muon --outputs 2 --adjust-lr-fn bogus",
         "--adjust-lr-fn: unknown value 'bogus' (choose from: original, match_rms_adamw)"},
        {"fit --optimizer muon --outputs 2 --ns-steps 100", "muon: ns_steps must be < 100, got 100"},
        {"fit --optimizer muon --outputs 2 --beta1 0.5", "--beta1 does not apply to muon"},
        {"fit --optimizer shampoo --outputs 2 --beta2 0", "shampoo: beta2 must be in (0, 1], got 0"},
        {"fit --optimizer muon --outputs 0", "--outputs: must be at least 1, got 0"},
        {"fit --optimizer muon --outputs 2 --seed-data", "--seed-data is the seed's one-output line"},
        {"fit --optimizer adam --features 3", "--features applies with --outputs"},
        {"fit --optimizer muon --outputs 2 --init 1,2", "--init: 2 values for 18 parameters"},
        {"fit --optimizer muon --outputs 4 --data "
             + xoptim_test::quoted(fs::path(xoptim_test::data_dir()) / "data.csv"),
         "--outputs 4: "},
    };
    for (const auto& c : cases)
    {
        CAPTURE(c.args);
        const auto r = run(c.args);
        CHECK(r.status == 2);
        CHECK(r.out.empty());
        CHECK(r.err.find(c.message) != std::string::npos);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    }
}
#endif
