// Adafactor against a transcription of torch 2.5's algorithm (tests/data/adafactor.csv, made by
// scripts/reference/adafactor.py; see tests/data/README.md), its factored state's shapes and
// size, a first step derived by hand, checkpoints, and its hyperparameters checked.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <xoptim/any_optimizer.hpp>
#include <xoptim/io/checkpoint.hpp>
#include <xoptim/xoptim.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

#include "reference_csv.hpp"
#include "reliability_helpers.hpp"

using namespace xoptim_test;

namespace
{
    struct reference_case
    {
        std::string name, dtype;
        std::vector<std::size_t> shape;
        xoptim::adafactor_options options;
        std::vector<std::vector<double>> grads, params;  // grads[k]: step k + 1; params[k]: after k steps
        std::vector<bool> clipped;
    };

    std::vector<std::size_t> parse_shape(const std::string& text)
    {
        std::vector<std::size_t> out;
        std::size_t start = 0;
        while (start <= text.size())
        {
            const std::size_t x = text.find('x', start);
            out.push_back(std::stoul(text.substr(start, x == std::string::npos ? std::string::npos : x - start)));
            if (x == std::string::npos) { break; }
            start = x + 1;
        }
        return out;
    }

    const std::vector<reference_case>& cases()
    {
        static const std::vector<reference_case> all = [] {
            csv_table t;
            read_csv_table("adafactor.csv", t);
            std::vector<reference_case> out;
            for (const auto& row : t.rows)
            {
                if (out.empty() || out.back().name != row["case"])
                {
                    reference_case c;
                    c.name = row["case"];
                    c.dtype = row["dtype"];
                    c.shape = parse_shape(row["shape"]);
                    c.options.lr = row.number("lr");
                    c.options.beta2_decay = row.number("beta2_decay");
                    c.options.eps1 = row["eps1"].empty() ? -1.0 : row.number("eps1");
                    c.options.eps2 = row.number("eps2");
                    c.options.d = row.number("d");
                    c.options.weight_decay = row.number("weight_decay");
                    c.options.maximize = row["maximize"] == "1";
                    out.push_back(std::move(c));
                }
                auto& c = out.back();
                if (row["step"] != "0")
                {
                    c.grads.push_back(row.numbers("grad"));
                    c.clipped.push_back(row["clipped"] == "1");
                }
                c.params.push_back(row.numbers("param"));
            }
            return out;
        }();
        return all;
    }

    template <class V>
    xt::xarray<V> tensor_of(const std::vector<std::size_t>& shape, const std::vector<double>& values)
    {
        xt::xarray<V> out = xt::xarray<V>::from_shape(shape);
        REQUIRE(out.size() == values.size());
        std::copy(values.begin(), values.end(), out.begin());
        return out;
    }

    // The largest difference from the reference, relative to the reference's largest magnitude.
    template <class V>
    double relative_error(const xt::xarray<V>& got, const std::vector<double>& want)
    {
        double scale = 0.0, worst = 0.0;
        for (double x : want) { scale = std::max(scale, std::abs(x)); }
        auto it = got.begin();
        for (double x : want) { worst = std::max(worst, std::abs(static_cast<double>(*it++) - x)); }
        return scale > 0.0 ? worst / scale : worst;
    }

    // Replays a case through `opt` (one tensor, group 0) and returns the worst relative error.
    template <class V, class Opt>
    double replay(Opt& opt, const reference_case& c)
    {
        auto w = tensor_of<V>(c.shape, c.params[0]);
        double worst = 0.0;
        for (std::size_t k = 0; k < c.grads.size(); ++k)
        {
            const auto g = tensor_of<V>(c.shape, c.grads[k]);
            opt.step(w, g);
            worst = std::max(worst, relative_error(w, c.params[k + 1]));
        }
        return worst;
    }

    template <class V>
    void check_references(const char* dtype, double tolerance)
    {
        std::size_t seen = 0, clipped = 0;
        double worst = 0.0;
        for (const auto& c : cases())
        {
            if (c.dtype != dtype) { continue; }
            CAPTURE(c.name);
            ++seen;
            clipped += static_cast<std::size_t>(std::count(c.clipped.begin(), c.clipped.end(), true));
            auto typed = xoptim::adafactor<V>(c.options);
            const double e = replay<V>(typed, c);
            CHECK(e < tolerance);
            worst = std::max(worst, e);

            // The same through make_optimizer, by torch's names.
            std::vector<std::pair<std::string, double>> hyper{{"lr", c.options.lr},
                                                              {"beta2_decay", c.options.beta2_decay},
                                                              {"eps1", c.options.eps1},
                                                              {"eps2", c.options.eps2},
                                                              {"d", c.options.d},
                                                              {"weight_decay", c.options.weight_decay},
                                                              {"maximize", c.options.maximize ? 1.0 : 0.0}};
            auto by_name = xoptim::make_optimizer<V>("adafactor", hyper);
            auto w = tensor_of<V>(c.shape, c.params[0]);
            double e2 = 0.0;
            for (std::size_t k = 0; k < c.grads.size(); ++k)
            {
                const auto g = tensor_of<V>(c.shape, c.grads[k]);
                by_name.step(w, g);
                e2 = std::max(e2, relative_error(w, c.params[k + 1]));
            }
            CHECK(e2 < tolerance);
        }
        CHECK(seen >= 3);
        CHECK(clipped > 0);  // the references exercise update clipping
        MESSAGE("adafactor " << std::string(dtype) << ": worst relative error " << worst << " over " << seen
                             << " cases");
    }
}

TEST_CASE("adafactor, double: torch 2.5's trajectories to 1e-9 relative") { check_references<double>("float64", 1e-9); }

TEST_CASE("adafactor, float: torch 2.5's trajectories (float32) to float accuracy")
{
    // The tolerance of tests/test_reference.cpp for theta.
    check_references<float>("float32", 1e-4);
}

TEST_CASE("adafactor: the comparison can fail")
{
    // Another beta2_decay, or the paper's rho cap 0.01 in place of lr, misses by far more.
    const auto& all = cases();
    const auto matrix = std::find_if(all.begin(), all.end(), [](const auto& c) { return c.name == "matrix_relative"; });
    REQUIRE(matrix != all.end());
    auto other = matrix->options;
    other.beta2_decay = -0.7;
    auto wrong = xoptim::adafactor<double>(other);
    CHECK(replay<double>(wrong, *matrix) > 1e-6);
    other = matrix->options;
    other.lr = 0.01;
    auto capped = xoptim::adafactor<double>(other);
    CHECK(replay<double>(capped, *matrix) > 1e-6);
}

TEST_CASE("adafactor: a first step derived by hand")
{
    // A vector at t = 1: V = g^2, U = sign(g), RMS(U) = 1 (no clipping), rho = min(lr, 1),
    // alpha = max(eps2, RMS(w)) rho: w1 = w0 (1 - lr wd) - alpha sign(g).
    xt::xtensor<double, 1> w{3.0, -4.0};
    auto opt = xoptim::adafactor({.lr = 0.5, .weight_decay = 0.1});
    opt.step(w, xt::xtensor<double, 1>{0.25, 2.0});
    const double alpha = std::sqrt(12.5) * 0.5;
    CHECK(w(0) == doctest::Approx(3.0 * 0.95 - alpha).epsilon(1e-15));
    CHECK(w(1) == doctest::Approx(-4.0 * 0.95 - alpha).epsilon(1e-15));

    // A 2 x 2 matrix at t = 1: R = row means of g^2, C = column means, V = R C / mean(R).
    xt::xtensor<double, 2> m{{1.0, 2.0}, {3.0, 4.0}};
    const xt::xtensor<double, 2> g{{1.0, 2.0}, {3.0, 1.0}};
    auto fac = xoptim::adafactor({.lr = 1.0, .d = 100.0});
    const xt::xtensor<double, 2> start = m;
    fac.step(m, g);
    const double r[2] = {2.5, 5.0}, c[2] = {5.0, 2.5}, mean_r = 3.75;
    const double rms_w = std::sqrt(30.0 / 4.0);
    for (std::size_t i = 0; i < 2; ++i)
    {
        for (std::size_t j = 0; j < 2; ++j)
        {
            const double u = g(i, j) / std::sqrt(r[i] * c[j] / mean_r);
            CHECK(m(i, j) == doctest::Approx(start(i, j) - rms_w * u).epsilon(1e-14));
        }
    }
    const auto& st = fac.state(0, 0);
    CHECK(st.slots[0](0) == 2.5);
    CHECK(st.slots[0](1) == 5.0);
    CHECK(st.slots[1](0) == 5.0);
    CHECK(st.slots[1](1) == 2.5);
    CHECK(st.slots[3]() == 3.75);
}

TEST_CASE("adafactor: factored state is O(n + m) per matrix, each leading index its own matrix")
{
    auto opt = xoptim::adafactor<float>();
    xt::xarray<float> vec = xt::ones<float>({7});
    xt::xarray<float> mat = xt::ones<float>({4, 5});
    xt::xarray<float> cube = xt::ones<float>({2, 3, 4});
    std::vector<xt::xarray<float>> params{vec, mat, cube};
    std::vector<xt::xarray<float>> grads{vec, mat, cube};
    opt.step(0, params, grads);
    auto sizes = [&](std::size_t t) {
        std::vector<std::size_t> out;
        for (const auto& s : opt.state(0, t).slots) { out.push_back(s.size()); }
        return out;
    };
    // R (rows), C (columns), S (column sums), max(mean R, eps1) (matrices), V (elements).
    CHECK(sizes(0) == std::vector<std::size_t>{0, 0, 0, 0, 7});
    CHECK(sizes(1) == std::vector<std::size_t>{4, 5, 5, 1, 0});
    CHECK(sizes(2) == std::vector<std::size_t>{6, 8, 8, 2, 0});
    CHECK(opt.state(0, 2).slots[0].shape() == std::vector<std::size_t>{2, 3});
    CHECK(opt.state(0, 2).slots[1].shape() == std::vector<std::size_t>{2, 4});

    // A 1024 x 1024 matrix: n + 2m + 1 values, 0.012 bytes per parameter in float (Adam: 8).
    auto big = xoptim::adafactor<float>();
    xt::xtensor<float, 2> w = xt::ones<float>({1024, 1024});
    big.step(w, w);
    std::size_t bytes = 0;
    for (const auto& s : big.state(0, 0).slots) { bytes += s.size() * sizeof(float); }
    CHECK(bytes == (1024 + 2 * 1024 + 1) * sizeof(float));
    MESSAGE("adafactor state of a 1024 x 1024 float matrix: " << bytes << " bytes, "
                                                              << double(bytes) / (1024.0 * 1024.0) << " per parameter");
}

TEST_CASE("adafactor: strided parameters and lazy gradients step as their packed copies")
{
    // A transposed view (not contiguous) and a gradient expression go through the staged row walk.
    xt::xtensor<double, 2> base{{1.0, -2.0, 0.5}, {3.0, 0.25, -1.0}, {2.0, 1.5, -0.75}, {0.1, 0.2, 0.3}};
    auto view = xt::transpose(base);
    xt::xtensor<double, 2> packed = view;
    auto a = xoptim::adafactor({.lr = 0.3, .weight_decay = 0.1});
    auto b = xoptim::adafactor({.lr = 0.3, .weight_decay = 0.1});
    for (int k = 0; k < 5; ++k)
    {
        a.step(view, 2.0 * (view - 0.5));
        const xt::xtensor<double, 2> g = 2.0 * (packed - 0.5);
        b.step(packed, g);
    }
    const xt::xtensor<double, 2> got = view;
    CHECK(xrel::same_bits(got, packed));
}

TEST_CASE("adafactor: registered groups and the thread pool give the single-tensor steps")
{
    auto p = xrel::make_params<double>(11);
    auto q = p;
    auto single = xoptim::adafactor({.lr = 0.2});
    auto registered = xoptim::adafactor({.lr = 0.2});
    registered.add_group({xoptim::tensor_ref<double>(q[0]), xoptim::tensor_ref<double>(q[1])});
    registered.set_threads(2);
    for (std::uint64_t s = 0; s < 6; ++s)
    {
        const auto g = xrel::gradient(p, s);
        single.step(0, p, g);
        const auto h = xrel::gradient(q, s);
        registered.step({xoptim::grad_ref<double>(h[0]), xoptim::grad_ref<double>(h[1])});
    }
    CHECK(xrel::same_bits(p[0], q[0]));
    CHECK(xrel::same_bits(p[1], q[1]));
}

TEST_CASE("adafactor: a checkpoint resumes bit for bit")
{
    const std::uint64_t n = 5;
    auto make = [] { return xoptim::adafactor({.lr = 0.2, .beta2_decay = -0.6, .d = 1.1, .weight_decay = 0.01}); };
    auto straight = make();
    auto p_straight = xrel::make_params<double>(5);
    xrel::run_steps(straight, p_straight, 0, 2 * n);

    auto first = make();
    auto p_first = xrel::make_params<double>(5);
    xrel::run_steps(first, p_first, 0, n);
    const auto bytes = xoptim::to_bytes(first, p_first);

    auto resumed = make();
    auto p_resumed = xrel::make_params<double>(6);
    xoptim::from_bytes(bytes, resumed, p_resumed);
    CHECK(xrel::same_state(resumed, first));
    xrel::run_steps(resumed, p_resumed, n, n);
    CHECK(xrel::same_state(resumed, straight));
    for (std::size_t k = 0; k < p_straight.size(); ++k) { CHECK(xrel::same_bits(p_resumed[k], p_straight[k])); }

    // Float, a vector among the matrices, through make_optimizer's type-erased optimizer.
    auto run = [](auto& opt, std::vector<xt::xarray<float>>& ps, int from, int count) {
        for (int s = from; s < from + count; ++s)
        {
            std::vector<xt::xarray<float>> gs;
            for (const auto& x : ps) { gs.push_back(x * float(0.5 + 0.1 * s) - 0.25f); }
            opt.step(0, ps, gs);
        }
    };
    auto fresh = [] {
        return std::vector<xt::xarray<float>>{xt::arange<float>(-3.0f, 4.0f) * 0.5f,
                                              xt::reshape_view(xt::arange<float>(0.0f, 12.0f) - 5.0f, {3, 4})};
    };
    auto a = xoptim::make_optimizer<float>("adafactor", {{"lr", 0.1}});
    auto pa = fresh();
    run(a, pa, 0, 8);
    auto b = xoptim::make_optimizer<float>("adafactor", {{"lr", 0.1}});
    auto pb = fresh();
    run(b, pb, 0, 4);
    const auto saved = b.to_bytes(pb);
    auto c = xoptim::make_optimizer<float>("adafactor", {{"lr", 0.1}});
    auto pc = fresh();
    c.from_bytes(std::span<const unsigned char>(saved), pc);
    run(c, pc, 4, 4);
    for (std::size_t k = 0; k < pa.size(); ++k) { CHECK(xrel::same_bits(pc[k], pa[k])); }
}

TEST_CASE("adafactor: bad hyperparameters are refused, naming them and their values")
{
    CHECK_THROWS_WITH_AS(xoptim::adafactor({.beta2_decay = 0.5}),
                         "adafactor: beta2_decay must be finite and <= 0, got 0.5", std::invalid_argument);
    CHECK_THROWS_WITH_AS(
        xoptim::adafactor({.eps1 = -0.5}),
        "adafactor: eps1 must be finite and >= 0, or -1 (the machine epsilon of the value type), got -0.5",
        std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::adafactor({.eps2 = -1.0}), "adafactor: eps2 must be finite and >= 0, got -1",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::adafactor({.d = 0.5}), "adafactor: d must be finite and >= 1, got 0.5",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::adafactor({.lr = -0.1}), "adafactor: lr must be finite and >= 0, got -0.1",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::adafactor({.weight_decay = -1.0}),
                         "adafactor: weight_decay must be finite and >= 0, got -1", std::invalid_argument);
    auto opt = xoptim::adafactor();
    CHECK_THROWS_AS(opt.set(0, "d", 0.0), std::invalid_argument);
    CHECK(opt.get(0, "d") == 1.0);
    CHECK(opt.get(0, "eps1") == -1.0);
    CHECK(opt.get(0, "lr") == 0.01);
}

TEST_CASE("adafactor: empty tensors step, and their state stays finite (a checkpoint takes it)")
{
    auto opt = xoptim::adafactor();
    std::vector<xt::xarray<double>> params{xt::zeros<double>({0, 4}), xt::zeros<double>({3, 0}),
                                           xt::ones<double>({2, 2})};
    const auto grads = params;
    opt.step(0, params, grads);
    opt.step(0, params, grads);
    for (std::size_t t = 0; t < 2; ++t)
    {
        for (const auto& s : opt.state(0, t).slots)
        {
            for (double v : s) { CHECK(std::isfinite(v)); }
        }
    }
    const auto bytes = xoptim::to_bytes(opt, params);
    auto loaded = xoptim::adafactor();
    auto copy = params;
    xoptim::from_bytes(bytes, loaded, copy);
    CHECK(xrel::same_state(loaded, opt));
}
