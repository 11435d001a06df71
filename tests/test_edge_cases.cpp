// Edge cases with defined behaviour: empty and one-element tensors, a parameter passed as its
// own gradient, huge learning rates, a float eps that would underflow, and beta = 0.
#include <doctest/doctest.h>

#include <xoptim/core/finite.hpp>
#include <xoptim/optimizers.hpp>

#include <xtensor/xarray.hpp>
#include <xtensor/xbuilder.hpp>
#include <xtensor/xeval.hpp>
#include <xtensor/xmanipulation.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "reliability_helpers.hpp"

TEST_CASE("edge: empty tensors step without effect and leave their neighbours' norms alone")
{
    int checked = 0;
    xrel::for_each_named<double>(0.05, [&](const char* name, auto make) {
        CAPTURE(std::string(name));
        auto o = make();
        auto solo = make();
        std::vector<xt::xarray<double>> p{xt::xarray<double>::from_shape({0}), xt::xarray<double>{0.5, -1.0, 2.0},
                                          xt::xarray<double>::from_shape({4, 0})};
        std::vector<xt::xarray<double>> q{p[1]};
        for (int s = 0; s < 3; ++s)
        {
            std::vector<xt::xarray<double>> g{xt::xarray<double>::from_shape({0}), xt::xarray<double>{0.1, 0.2, -0.3},
                                              xt::xarray<double>::from_shape({4, 0})};
            CHECK(o.step(0, p, g));
            std::vector<xt::xarray<double>> h{g[1]};
            solo.step(0, q, h);
        }
        CHECK(o.step_count() == 3);
        CHECK(p[0].size() == 0);
        CHECK(p[2].shape().size() == 2);
        CHECK(p[2].shape()[0] == 4);
        CHECK(xrel::same_bits(p[1], q[0]));
        ++checked;
    });
    CHECK(checked == 11);

    auto o = xoptim::lamb();
    xt::xtensor<double, 1> e = xt::xtensor<double, 1>::from_shape({0});
    CHECK(o.step(e, e));
}

TEST_CASE("edge: one-element tensors, against hand-derived first steps")
{
    {
        // Adam, step 1: m = 0.1 g, v = 0.001 g^2, m_hat = g, sqrt(v_hat) = |g|.
        auto o = xoptim::adam(xoptim::adam_options{0.1});
        xt::xtensor<double, 1> w{1.0};
        o.step(w, xt::xtensor<double, 1>{0.5});
        CHECK(w(0) == doctest::Approx(1.0 - 0.1 * 0.5 / (0.5 + 1e-8)).epsilon(1e-14));
    }
    {
        // LAMB, step 1, no decay: u = g / (|g| + eps) ~ 1, ratio = |w| / |u|.
        auto o = xoptim::lamb(xoptim::lamb_options{0.1});
        xt::xtensor<double, 1> w{2.0};
        o.step(w, xt::xtensor<double, 1>{3.0});
        const double u = 3.0 / (3.0 + 1e-6);
        CHECK(w(0) == doctest::Approx(2.0 - 0.1 * (2.0 / u) * u).epsilon(1e-14));
    }
    {
        // LARS, step 1, no decay: local rate eta |w| / |g|, update lr * local * g.
        auto o = xoptim::lars(xoptim::lars_options{0.1, 0.9, 0.0, 0.001});
        xt::xtensor<double, 1> w{-4.0};
        o.step(w, xt::xtensor<double, 1>{0.5});
        CHECK(w(0) == doctest::Approx(-4.0 - 0.1 * (0.001 * 4.0 / 0.5) * 0.5).epsilon(1e-14));
    }
    {
        // Adagrad, step 1: s = g^2, update lr g / (|g| + eps).
        auto o = xoptim::adagrad(xoptim::adagrad_options{0.1});
        xt::xtensor<double, 1> w{1.0};
        o.step(w, xt::xtensor<double, 1>{-2.0});
        CHECK(w(0) == doctest::Approx(1.0 + 0.1 * 2.0 / (2.0 + 1e-10)).epsilon(1e-14));
    }
    {
        // A zero-dimensional tensor is one element too.
        auto o = xoptim::sgd(xoptim::sgd_options{0.5});
        xt::xarray<double> w(3.0);
        o.step(w, xt::xarray<double>(1.0));
        CHECK(w() == 2.5);
    }
}

TEST_CASE("edge: a parameter passed as its own gradient equals passing a copy")
{
    int checked = 0;
    xrel::for_each_named<double>(0.05, [&](const char* name, auto make) {
        // Sizes inside one staging block, across blocks, and with SIMD tails.
        for (std::size_t n : {std::size_t{1}, std::size_t{5}, std::size_t{37}, std::size_t{1500}})
        {
            CAPTURE(std::string(name));
            CAPTURE(n);
            std::mt19937_64 rng(n);
            auto a = make();
            auto b = make();
            xt::xtensor<double, 1> w = xt::xtensor<double, 1>::from_shape({n});
            xrel::fill_uniform(w, rng, -1.0, 1.0);
            xt::xtensor<double, 1> v = w;
            for (int s = 0; s < 3; ++s)
            {
                a.step(w, w);
                const xt::xtensor<double, 1> copy = v;
                b.step(v, copy);
            }
            CHECK(xrel::same_bits(w, v));

            // The same through strided views (the staged path), and as an expression of itself.
            xt::xtensor<double, 1> big = xt::xtensor<double, 1>::from_shape({2 * n});
            xrel::fill_uniform(big, rng, -1.0, 1.0);
            xt::xtensor<double, 1> big2 = big;
            auto c = make();
            auto d = make();
            auto sw = xt::view(big, xt::range(0, 2 * n, 2));
            auto sv = xt::view(big2, xt::range(0, 2 * n, 2));
            for (int s = 0; s < 3; ++s)
            {
                c.step(sw, 2.0 * (sw - 0.3));
                const xt::xtensor<double, 1> copy = 2.0 * (sv - 0.3);
                d.step(sv, copy);
            }
            CHECK(xrel::same_bits(big, big2));
        }
        ++checked;
    });
    CHECK(checked == 11);
}

TEST_CASE("edge: a gradient that reads other positions of the parameter is evaluated first (documented)")
{
    // xt::flip(w) reads w[n-1-i] for element i: lazily it would see elements already updated
    // once the tensor spans more than one staging block, so it is evaluated with xt::eval.
    auto a = xoptim::adam(xoptim::adam_options{0.1});
    auto b = xoptim::adam(xoptim::adam_options{0.1});
    xt::xtensor<double, 1> w = xt::linspace<double>(-1.0, 1.0, 2000);
    xt::xtensor<double, 1> v = w;
    a.step(w, xt::eval(xt::flip(w, 0)));
    const xt::xtensor<double, 1> g = xt::flip(v, 0);
    b.step(v, g);
    CHECK(xrel::same_bits(w, v));
}

TEST_CASE("edge: huge learning rates diverge clearly, without a crash")
{
    {
        // Gradient descent on w^2 / 2 with lr = 1e300: |w| grows by ~1e300 per step, overflows.
        auto o = xoptim::sgd(xoptim::sgd_options{1e300});
        xt::xtensor<double, 1> w{1.0, -0.5};
        o.step(w, w);
        CHECK(std::abs(w(0)) > 1e299);
        o.step(w, w);
        CHECK_FALSE(std::isfinite(w(0)));
        // Under throw_error, the loop stops at the first non-finite gradient.
        o.set_nonfinite_policy(xoptim::nonfinite_policy::throw_error);
        CHECK_THROWS_AS(o.step(w, w), xoptim::nonfinite_gradient);
    }
    {
        // Adam's steps are bounded by lr: w moves by about 1e300 and stays finite.
        auto o = xoptim::adam(xoptim::adam_options{1e300});
        xt::xtensor<double, 1> w{1.0};
        o.step(w, w);
        CHECK(w(0) == doctest::Approx(-1e300).epsilon(1e-6));
        CHECK(std::isfinite(w(0)));
    }
    {
        // The largest finite rate is accepted; an infinite one is refused by name.
        CHECK_NOTHROW(xoptim::sgd(xoptim::sgd_options{std::numeric_limits<double>::max()}));
        CHECK_THROWS_WITH_AS(xoptim::adam(xoptim::adam_options{std::numeric_limits<double>::infinity()}),
                             doctest::Contains("lr must be finite and >= 0, got inf"), std::invalid_argument);
        // A rate finite in double but not in float is refused by name, not turned into inf.
        CHECK_THROWS_WITH_AS(xoptim::sgd<float>(xoptim::sgd_options{1e300}),
                             doctest::Contains("sgd: lr must be finite in the optimizer's value type"),
                             std::invalid_argument);
        auto f = xoptim::sgd<float>(xoptim::sgd_options{3e38});
        xt::xtensor<float, 1> w{1.0f};
        f.step(w, w);
        CHECK(std::isfinite(w(0)));
    }
}

TEST_CASE("edge: a float eps that would underflow to zero is kept at the smallest normal float")
{
    CHECK(xoptim::detail::positive_as<float>(1e-50) == std::numeric_limits<float>::min());
    CHECK(xoptim::detail::positive_as<float>(1e-40) == std::numeric_limits<float>::min());
    CHECK(xoptim::detail::positive_as<float>(1e-8) == 1e-8f);
    CHECK(xoptim::detail::positive_as<float>(0.0) == 0.0f);
    CHECK(xoptim::detail::positive_as<double>(1e-300) == 1e-300);

    // With zero gradients every direction is 0 / (0 + eps): 0, not 0 / 0.
    xt::xtensor<float, 1> zero = xt::zeros<float>({37});
    auto check_still = [&](auto&& o, const char* name) {
        CAPTURE(std::string(name));
        xt::xtensor<float, 1> w = xt::linspace<float>(-1.0f, 1.0f, 37);
        const xt::xtensor<float, 1> w0 = w;
        for (int s = 0; s < 3; ++s) { o.step(w, zero); }
        CHECK(xrel::same_bits(w, w0));
    };
    check_still(xoptim::adam<float>(xoptim::adam_options{0.1, 0.9, 0.999, 1e-50}), "adam");
    check_still(xoptim::amsgrad<float>(xoptim::adam_options{0.1, 0.9, 0.999, 1e-45}), "amsgrad");
    check_still(xoptim::rmsprop<float>(xoptim::rmsprop_options{0.1, 0.99, 1e-50}), "rmsprop");
    check_still(xoptim::adagrad<float>(xoptim::adagrad_options{0.1, 0.0, 0.0, 0.0, 1e-60}), "adagrad");
    check_still(xoptim::lamb<float>(xoptim::lamb_options{0.1, 0.9, 0.999, 1e-50}), "lamb");

    // And a tiny but non-zero gradient gives a finite step.
    auto o = xoptim::adam<float>(xoptim::adam_options{0.1, 0.9, 0.999, 1e-50});
    xt::xtensor<float, 1> w{1.0f, 1.0f};
    o.step(w, xt::xtensor<float, 1>{1e-30f, 0.0f});
    CHECK(std::isfinite(w(0)));
    CHECK(w(1) == 1.0f);
}

TEST_CASE("edge: beta = 0 turns the averages into the current values")
{
    {
        // Adam with beta1 = beta2 = 0: m = g, v = g^2, no bias correction: step lr g / (|g| + eps).
        auto o = xoptim::adam(xoptim::adam_options{0.1, 0.0, 0.0, 1e-8});
        xt::xtensor<double, 1> w{1.0, 1.0};
        const double g1[] = {0.5, -2.0};
        const double g2[] = {-0.25, 4.0};
        o.step(w, xt::xtensor<double, 1>{g1[0], g1[1]});
        o.step(w, xt::xtensor<double, 1>{g2[0], g2[1]});
        for (int i = 0; i < 2; ++i)
        {
            const double expected =
                1.0 - 0.1 * g1[i] / (std::abs(g1[i]) + 1e-8) - 0.1 * g2[i] / (std::abs(g2[i]) + 1e-8);
            CHECK(w(i) == doctest::Approx(expected).epsilon(1e-14));
        }
    }
    {
        // Lion with beta1 = 0: the step is lr sign(g).
        auto o = xoptim::lion(xoptim::lion_options{0.1, 0.0, 0.0, 0.0});
        xt::xtensor<double, 1> w{1.0, 1.0, 1.0};
        o.step(w, xt::xtensor<double, 1>{3.0, -1e-9, 0.0});
        o.step(w, xt::xtensor<double, 1>{-3.0, -1.0, 0.0});
        CHECK(w(0) == 1.0);
        CHECK(w(1) == doctest::Approx(1.2).epsilon(1e-15));
        CHECK(w(2) == 1.0);
    }
    {
        // RMSprop with alpha = 0: v = g^2, the step is lr g / (|g| + eps).
        auto o = xoptim::rmsprop(xoptim::rmsprop_options{0.1, 0.0, 1e-8});
        xt::xtensor<double, 1> w{0.0};
        o.step(w, xt::xtensor<double, 1>{-7.0});
        CHECK(w(0) == doctest::Approx(0.1 * 7.0 / (7.0 + 1e-8)).epsilon(1e-14));
    }
    {
        // Momentum 0 is plain SGD and keeps no buffer.
        auto o = xoptim::sgd(xoptim::sgd_options{0.1, 0.0});
        xt::xtensor<double, 1> w{1.0};
        o.step(w, xt::xtensor<double, 1>{1.0});
        CHECK(o.rule().slots() == 0);
        for (const auto& slot : o.state().slots) { CHECK(slot.size() == 0); }
        CHECK(w(0) == doctest::Approx(0.9).epsilon(1e-15));
    }
}

TEST_CASE("edge: weight decay 0 is no term at all, as in PyTorch: an infinite parameter stays infinite")
{
    const double inf = std::numeric_limits<double>::infinity();
    xt::xtensor<double, 1> g = {0.5, -0.25};

    // Without decay, w - lr * g: inf - finite = inf, never 0 * inf = nan.
    auto plain = xoptim::sgd({.lr = 0.1});
    xt::xtensor<double, 1> w = {inf, 2.0};
    plain.step(w, g);
    CHECK(w(0) == inf);
    CHECK(w(1) == 2.0 - 0.1 * -0.25);

    auto adamw = xoptim::adamw({.lr = 0.1, .weight_decay = 0.0});
    xt::xtensor<double, 1> v = {-inf, 1.0};
    adamw.step(v, g);
    CHECK(v(0) == -inf);
    CHECK(std::isfinite(v(1)));

    // With decay the term is there: w - lr * (g + wd * w) on a finite parameter, by hand.
    auto decayed = xoptim::sgd({.lr = 0.1, .weight_decay = 0.01});
    xt::xtensor<double, 1> u = {3.0, 2.0};
    decayed.step(u, g);
    CHECK(u(0) == doctest::Approx(3.0 - 0.1 * (0.5 + 0.01 * 3.0)).epsilon(1e-15));
    CHECK(u(1) == doctest::Approx(2.0 - 0.1 * (-0.25 + 0.01 * 2.0)).epsilon(1e-15));
}
