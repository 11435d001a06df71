// xoptim::muon against a transcription of torch.optim.Muon (torch 2.9) in float64
// (tests/data/muon.csv, made by scripts/reference/muon.py), and the Newton-Schulz iteration's
// known band of singular values.
#include <doctest/doctest.h>

#include <xoptim/muon.hpp>

#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xtensor.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "reference_csv.hpp"

namespace
{
    using mat = xt::xtensor<double, 2>;

    mat from_numbers(const std::vector<double>& v, std::size_t rows, std::size_t cols)
    {
        REQUIRE(v.size() == rows * cols);
        mat m = xt::zeros<double>({rows, cols});
        std::copy(v.begin(), v.end(), m.begin());
        return m;
    }

    double max_relative(const mat& a, const mat& b)
    {
        double worst = 0.0;
        for (std::size_t i = 0; i < a.size(); ++i)
        {
            const double d = std::abs(a.data()[i] - b.data()[i]) / std::max(1.0, std::abs(b.data()[i]));
            worst = std::max(worst, d);
        }
        return worst;
    }

    // Uniform in [-1, 1) from a seeded generator (no standard distribution: they differ
    // between standard libraries).
    template <class V>
    xt::xtensor<V, 2> random_matrix(std::size_t rows, std::size_t cols, std::uint64_t seed)
    {
        std::mt19937_64 gen(seed);
        xt::xtensor<V, 2> m = xt::zeros<V>({rows, cols});
        for (auto& x : m) { x = static_cast<V>(static_cast<double>(gen() >> 11) * 0x1p-53 * 2.0 - 1.0); }
        return m;
    }
}

TEST_CASE("muon equals torch 2.9's Muon (transcribed in float64) on every reference case, to 1e-9")
{
    xoptim_test::csv_table t;
    xoptim_test::read_csv_table("muon.csv", t);
    REQUIRE(t.rows.size() > 0);
    std::size_t cases = 0;
    double worst = 0.0;
    for (std::size_t i = 0; i < t.rows.size();)
    {
        const auto& head = t.rows[i];
        const std::string name = head["case"];
        CAPTURE(name);
        REQUIRE(head.number("step") == 0.0);
        const auto rows = static_cast<std::size_t>(head.number("rows"));
        const auto cols = static_cast<std::size_t>(head.number("cols"));
        xoptim::muon_options o;
        o.lr = head.number("lr");
        o.weight_decay = head.number("weight_decay");
        o.momentum = head.number("momentum");
        o.nesterov = head.number("nesterov") != 0.0;
        o.ns_steps = static_cast<std::size_t>(head.number("ns_steps"));
        o.adjust_lr_fn = head["adjust_lr_fn"] == "match_rms_adamw" ? xoptim::muon_lr_adjustment::match_rms_adamw
                                                                   : xoptim::muon_lr_adjustment::original;
        REQUIRE((head["adjust_lr_fn"] == "original" || head["adjust_lr_fn"] == "match_rms_adamw"));
        auto opt = xoptim::muon<double>(o);
        mat p = from_numbers(head.numbers("param"), rows, cols);
        ++i;
        int steps = 0;
        for (; i < t.rows.size() && t.rows[i]["case"] == name; ++i, ++steps)
        {
            const mat g = from_numbers(t.rows[i].numbers("grad"), rows, cols);
            const mat want = from_numbers(t.rows[i].numbers("param"), rows, cols);
            opt.step(p, g);
            const double err = max_relative(p, want);
            CAPTURE(steps);
            CHECK(err < 1e-9);
            worst = std::max(worst, err);
        }
        CHECK(steps == 6);
        CHECK(opt.step_count() == 6);
        ++cases;
    }
    CHECK(cases == 7);
    MESSAGE("muon vs reference: worst relative difference " << worst);
}

TEST_CASE("newton_schulz: singular values in the quintic iteration's band, both orientations, float and double")
{
    auto check = [](auto zero, std::size_t rows, std::size_t cols) {
        using V = decltype(zero);
        CAPTURE(rows);
        CAPTURE(cols);
        const auto g = random_matrix<V>(rows, cols, 42 + rows * 7 + cols);
        const auto x = xoptim::newton_schulz<V>(g);
        REQUIRE(x.shape()[0] == rows);
        REQUIRE(x.shape()[1] == cols);
        // The Gram matrix of the smaller side: its eigenvalues are the squared singular values.
        // (Rectangular draws: a square one has singular values near 0 that five steps leave small.)
        xt::xtensor<double, 2> xd = xt::cast<double>(x);
        xt::xtensor<double, 2> gram =
            rows <= cols ? xt::linalg::dot(xd, xt::transpose(xd)) : xt::linalg::dot(xt::transpose(xd), xd);
        const auto eig = xt::linalg::eigvalsh(gram);
        for (double e : eig)
        {
            const double s = std::sqrt(std::max(e, 0.0));
            CHECK(s > 0.68);
            CHECK(s < 1.2);
        }
        // And not simply the identity's band by accident: G's own singular values are spread.
        xt::xtensor<double, 2> gd = xt::cast<double>(g);
        xt::xtensor<double, 2> ggram =
            rows <= cols ? xt::linalg::dot(gd, xt::transpose(gd)) : xt::linalg::dot(xt::transpose(gd), gd);
        const auto geig = xt::linalg::eigvalsh(ggram);
        CHECK(std::sqrt(xt::amax(geig)()) / std::sqrt(xt::amin(geig)()) > 3.0);
    };
    check(0.0, 16, 40);
    check(0.0, 40, 16);
    check(0.0f, 24, 64);
    check(0.0f, 64, 24);
}

TEST_CASE("newton_schulz: the tall case is the transpose of the wide case")
{
    const auto g = random_matrix<double>(9, 4, 7);
    const mat gt = xt::transpose(g);
    const auto x = xoptim::newton_schulz<double>(g);
    const auto xt_ = xoptim::newton_schulz<double>(gt);
    const mat back = xt::transpose(xt_);
    CHECK(max_relative(x, back) < 1e-13);
}

TEST_CASE("muon: bad options and non-matrix parameters are errors that name them")
{
    xoptim::muon_options o;
    o.momentum = -0.5;
    CHECK_THROWS_WITH_AS(xoptim::muon<double>(o), doctest::Contains("momentum"), std::invalid_argument);
    o = {};
    o.ns_steps = 100;
    CHECK_THROWS_WITH_AS(xoptim::muon<double>(o), doctest::Contains("ns_steps"), std::invalid_argument);
    o = {};
    o.eps = 0.0;
    CHECK_THROWS_WITH_AS(xoptim::muon<double>(o), doctest::Contains("eps"), std::invalid_argument);

    auto opt = xoptim::muon<double>();
    xt::xtensor<double, 1> v = {1.0, 2.0};
    xt::xtensor<double, 1> gv = {0.1, 0.2};
    CHECK_THROWS_WITH_AS(opt.step(v, gv), doctest::Contains("2-D"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(opt.add_params({v}), doctest::Contains("muon_with_adamw"), std::invalid_argument);
    CHECK(opt.registered_count() == 0);
    mat p = {{1.0, 2.0}, {3.0, 4.0}};
    mat bad = {{1.0, 2.0, 3.0}};
    const mat before = p;
    CHECK_THROWS_AS(opt.step(p, bad), std::invalid_argument);
    CHECK(p == before);
    CHECK(opt.step_count() == 0);
}

TEST_CASE("muon: steps allocate the workspace once")
{
    auto opt = xoptim::muon<float>();
    xt::xtensor<float, 2> p = random_matrix<float>(8, 5, 3);
    const xt::xtensor<float, 2> g = random_matrix<float>(8, 5, 4);
    opt.step(p, g);
    const float* buf = opt.state().momentum_buffer.data();
    const float* x = opt.state().work.result().data();
    opt.step(p, g);
    opt.step(p, g);
    CHECK(opt.state().momentum_buffer.data() == buf);
    // Five (odd) iterations a step swap X and the next X: after two more steps the same one.
    CHECK(opt.state().work.result().data() == x);
}
