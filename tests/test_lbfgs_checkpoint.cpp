// L-BFGS checkpoints: a resumed run continues bit for bit, a bad file changes nothing.

#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "paths.hpp"
#include <xoptim/io/lbfgs_checkpoint.hpp>
#include <xoptim/optimizers.hpp>
#include <xoptim/problems/test_functions.hpp>

namespace
{
    // A 4-D Rosenbrock chain: sum_i (1 - x_i)^2 + 100 (x_{i+1} - x_i^2)^2.
    double chain(const double* x, double* g, std::size_t n)
    {
        double f = 0;
        for (std::size_t i = 0; i < n; ++i) { g[i] = 0; }
        for (std::size_t i = 0; i + 1 < n; ++i)
        {
            const double a = 1 - x[i], b = x[i + 1] - x[i] * x[i];
            f += a * a + 100 * b * b;
            g[i] += -2 * a - 400 * x[i] * b;
            g[i + 1] += 200 * b;
        }
        return f;
    }

    auto closure = [](const auto& w, auto& g) { return chain(w.data(), g.data(), w.size()); };

    bool bitwise_equal(const xt::xtensor<double, 1>& a, const xt::xtensor<double, 1>& b)
    {
        return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
    }
}

TEST_CASE("lbfgs checkpoint: run, save, load into a fresh optimizer, continue: bitwise the uninterrupted run")
{
    for (const auto ls : {xoptim::line_search::none, xoptim::line_search::strong_wolfe})
    {
        CAPTURE(static_cast<int>(ls));
        const xoptim::lbfgs_options o{
            .lr = ls == xoptim::line_search::none ? 0.05 : 1.0, .max_iter = 4, .history_size = 3, .line_search_fn = ls};
        xoptim::lbfgs<double> whole(o);
        xt::xtensor<double, 1> w = {-1.2, 1.0, -0.5, 0.8};
        std::vector<double> losses;
        for (int k = 0; k < 10; ++k) { losses.push_back(whole.step(w, closure)); }

        xoptim::lbfgs<double> first(o);
        xt::xtensor<double, 1> v = {-1.2, 1.0, -0.5, 0.8};
        for (int k = 0; k < 4; ++k) { first.step(v, closure); }
        REQUIRE(first.state().history.size() == 3);  // the ring buffer has wrapped
        const auto bytes = xoptim::to_bytes(first, v);

        xoptim::lbfgs<double> resumed({.lr = 0.3, .history_size = 7});  // the file's hyperparameters replace these
        xt::xtensor<double, 1> u = xt::zeros<double>({4});
        xoptim::from_bytes(std::span<const unsigned char>(bytes), resumed, u);
        CHECK(bitwise_equal(u, v));
        CHECK(resumed.options() == first.options());
        CHECK(resumed.func_evals() == first.func_evals());
        CHECK(resumed.n_iter() == first.n_iter());
        CHECK(xoptim::to_bytes(resumed, u) == bytes);
        for (int k = 4; k < 10; ++k)
        {
            const double l = resumed.step(u, closure);
            CHECK(std::memcmp(&l, &losses[static_cast<std::size_t>(k)], sizeof l) == 0);
        }
        CHECK(bitwise_equal(u, w));
        CHECK(resumed.func_evals() == whole.func_evals());
        CHECK(resumed.n_iter() == whole.n_iter());
    }
}

TEST_CASE("lbfgs checkpoint: files, hyperparameters by name, and bad input")
{
    xoptim::lbfgs<double> opt({.max_iter = 3, .history_size = 2, .line_search_fn = xoptim::line_search::strong_wolfe});
    xt::xtensor<double, 1> w = {-1.2, 1.0, -0.5, 0.8};
    opt.step(w, closure);
    const auto path = std::filesystem::path(xoptim_test::output_dir()) / "lbfgs.ckpt";
    xoptim::save_checkpoint(path, opt, w);
    xoptim::lbfgs<double> other;
    xt::xtensor<double, 1> v = xt::zeros<double>({4});
    xoptim::load_checkpoint(path, other, v);
    CHECK(other.get("history_size") == 2.0);
    CHECK(other.get("max_eval") == 3.0);
    CHECK(other.options().line_search_fn == xoptim::line_search::strong_wolfe);

    auto bytes = xoptim::to_bytes(opt, w);
    const std::string names = std::string(bytes.begin(), bytes.end());
    for (const char* name :
         {"lr", "max_iter", "max_eval", "tolerance_grad", "tolerance_change", "history_size", "line_search_fn"})
    {
        CHECK(names.find(name) != std::string::npos);
    }

    xoptim::lbfgs<double> fresh;
    xt::xtensor<double, 1> z = xt::zeros<double>({4});
    auto corrupt = bytes;
    corrupt[40] ^= 0x10;
    CHECK_THROWS_WITH_AS(xoptim::from_bytes(std::span<const unsigned char>(corrupt), fresh, z),
                         doctest::Contains("checksum"), xoptim::checkpoint_error);
    CHECK(fresh.func_evals() == 0);
    CHECK(z == xt::zeros<double>({4}));

    xt::xtensor<double, 1> wrong = xt::zeros<double>({3});
    CHECK_THROWS_WITH_AS(xoptim::from_bytes(std::span<const unsigned char>(bytes), fresh, wrong),
                         "xoptim checkpoint: parameter 0 shape: expected {3}, found {4}", xoptim::checkpoint_error);

    // An elementwise optimizer's file is another kind, and the other way round.
    auto adam = xoptim::adam({.lr = 0.1});
    xt::xtensor<double, 1> p = {1.0, 2.0};
    adam.step(p, xt::xtensor<double, 1>{0.5, 0.5});
    const auto adam_bytes = xoptim::to_bytes(adam);
    CHECK_THROWS_WITH_AS(xoptim::from_bytes(std::span<const unsigned char>(adam_bytes), fresh),
                         doctest::Contains("optimizer kind: expected \"lbfgs\""), xoptim::checkpoint_error);
    const auto lbfgs_bytes = xoptim::to_bytes(opt);
    CHECK_THROWS_WITH_AS(xoptim::from_bytes(std::span<const unsigned char>(lbfgs_bytes), adam),
                         doctest::Contains("optimizer kind"), xoptim::checkpoint_error);

    // A checkpoint before any step holds no state.
    xoptim::lbfgs<float> unstarted({.history_size = 5});
    const auto empty = xoptim::to_bytes(unstarted);
    xoptim::lbfgs<float> into;
    xoptim::from_bytes(std::span<const unsigned char>(empty), into);
    CHECK(into.get("history_size") == 5.0);
    CHECK(!into.state().started());
}
