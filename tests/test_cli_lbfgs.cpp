// xoptim-viz fit --optimizer lbfgs, run as a program: each row is one step(closure) of the
// library's xoptim::lbfgs, bit for bit; the flags; resume.

#include <doctest/doctest.h>

#ifdef XOPTIM_TEST_HAS_VIZ

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <xoptim/lbfgs.hpp>
#include <xoptim/problems/csv.hpp>
#include <xoptim/problems/linear_regression.hpp>
#include <xoptim/problems/test_functions.hpp>

#include "cli_support.hpp"
#include "paths.hpp"

namespace
{
    namespace fs = std::filesystem;
    using vec = xt::xtensor<double, 1>;
    const fs::path data_dir = xoptim_test::data_dir();
    const fs::path output_dir = fs::path(xoptim_test::output_dir()) / "cli_lbfgs";

    xoptim_test::cli_run run(const std::string& args) { return xoptim_test::run_viz(output_dir, args); }

    // The library's run: rows of step, theta..., loss after the step, func_evals, n_iter.
    template <class Problem>
    std::vector<std::vector<double>> library_rows(const Problem& problem, vec theta, xoptim::lbfgs_options o, int steps)
    {
        xoptim::lbfgs<double> opt(o);
        vec grad = xt::zeros<double>({theta.size()});
        auto closure = [&](const vec& w, auto& g) {
            const double l = xoptim::value_and_gradient(problem, w, grad);
            for (std::size_t i = 0; i < grad.size(); ++i) { g(i) = grad(i); }
            return l;
        };
        std::vector<std::vector<double>> out;
        auto record = [&](int k) {
            std::vector<double> r{static_cast<double>(k)};
            for (const double v : theta) { r.push_back(v); }
            r.push_back(xoptim::value_and_gradient(problem, theta, grad));
            r.push_back(static_cast<double>(opt.func_evals()));
            r.push_back(static_cast<double>(opt.n_iter()));
            out.push_back(r);
        };
        record(0);
        for (int k = 1; k <= steps; ++k)
        {
            opt.step(theta, closure);
            record(k);
        }
        return out;
    }
}

TEST_CASE("xoptim-viz fit --optimizer lbfgs: every row is the library's step(closure), bit for bit")
{
    SUBCASE("the seed data, fixed steps")
    {
        const auto r = run("fit --data " + xoptim_test::quoted(data_dir / "data.csv")
                           + " --init -10,-20 --optimizer lbfgs --lr 0.5 --max-iter 4 --history-size 3 --epochs 8");
        REQUIRE(r.status == 0);
        CHECK(r.out.substr(0, r.out.find('\n')) == "step,theta0,theta1,loss,func_evals,n_iter");
        const xoptim::linear_regression<xoptim::mse> problem(xoptim::load_csv(data_dir / "data.csv"));
        CHECK(xoptim_test::csv_rows(r.out)
              == library_rows(problem, vec{-10.0, -20.0}, {.lr = 0.5, .max_iter = 4, .history_size = 3}, 8));
    }
    SUBCASE("Rosenbrock, strong Wolfe, every flag")
    {
        const auto r = run("fit --objective rosenbrock --optimizer lbfgs --lr 0.8 --max-iter 6 --max-eval 9 "
                           "--tolerance-grad 1e-6 --tolerance-change 1e-10 --history-size 4 --line-search strong_wolfe "
                           "--epochs 6");
        REQUIRE(r.status == 0);
        const xoptim::lbfgs_options o{.lr = 0.8,
                                      .max_iter = 6,
                                      .max_eval = 9,
                                      .tolerance_grad = 1e-6,
                                      .tolerance_change = 1e-10,
                                      .history_size = 4,
                                      .line_search_fn = xoptim::line_search::strong_wolfe};
        const auto expected = library_rows(xoptim::rosenbrock{}, vec{-1.2, 1.0}, o, 6);
        CHECK(xoptim_test::csv_rows(r.out) == expected);
        CHECK(expected.back()[4] <= 6 * 9);  // func_evals: at most max_eval a step, plus one line search's overrun
    }
}

TEST_CASE("xoptim-viz fit --optimizer lbfgs: --checkpoint then --resume continues the rows")
{
    const fs::path ckpt = output_dir / "lbfgs.ckpt";
    fs::create_directories(output_dir);
    const std::string common =
        " --objective rosenbrock --optimizer lbfgs --max-iter 3 --history-size 2 --line-search strong_wolfe";
    const auto whole = run("fit" + common + " --epochs 7");
    const auto part = run("fit" + common + " --epochs 3 --checkpoint " + xoptim_test::quoted(ckpt));
    const auto rest = run("fit" + common + " --epochs 4 --resume " + xoptim_test::quoted(ckpt));
    REQUIRE(whole.status == 0);
    REQUIRE(part.status == 0);
    REQUIRE(rest.status == 0);
    const auto w = xoptim_test::csv_rows(whole.out), p = xoptim_test::csv_rows(part.out),
               q = xoptim_test::csv_rows(rest.out);
    REQUIRE(q.size() == 5);
    for (std::size_t k = 0; k < q.size(); ++k) { CHECK(q[k] == w[k + 3]); }
    CHECK(p.back() == w[3]);

    const auto other = run("fit" + common + " --lr 0.5 --epochs 1 --resume " + xoptim_test::quoted(ckpt));
    CHECK(other.status == 2);
    CHECK(other.err.find("hyperparameters differ from the command line's: lr: expected 0.5") != std::string::npos);
}

TEST_CASE("xoptim-viz fit --optimizer lbfgs: bad flags are bad input")
{
    const auto momentum = run("fit --optimizer lbfgs --momentum 0.9");
    CHECK(momentum.status == 2);
    CHECK(momentum.out.empty());
    CHECK(momentum.err.find("--momentum does not apply to lbfgs") != std::string::npos);
    const auto adam = run("fit --optimizer adam --history-size 3");
    CHECK(adam.status == 2);
    CHECK(adam.err == "xoptim-viz fit: --history-size does not apply to adam (only lbfgs takes it)\n");
    const auto search = run("fit --optimizer lbfgs --line-search wolfe");
    CHECK(search.status == 2);
    CHECK(search.err == "xoptim-viz fit: lbfgs: line_search_fn must be \"none\" or \"strong_wolfe\", got \"wolfe\"\n");
    const auto history = run("fit --optimizer lbfgs --history-size 0");
    CHECK(history.status == 2);
    CHECK(history.err == "xoptim-viz fit: lbfgs: history_size must be finite and >= 1, got 0\n");
    const auto batch = run("fit --optimizer lbfgs --batch-size 10");
    CHECK(batch.status == 2);
    const auto help = run("fit --help");
    CHECK(help.out.find("--line-search") != std::string::npos);
    CHECK(help.out.find("  lbfgs: L-BFGS") != std::string::npos);
}

#endif
