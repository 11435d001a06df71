// Rules without a reference trajectory, against values derived by hand from their papers'
// formulas (and PyTorch's documentation of its semantics), for the first steps.

#include <doctest/doctest.h>

#include <cmath>

#include <xoptim/xoptim.hpp>
#include <xtensor/xtensor.hpp>

namespace
{
    using vec = xt::xtensor<double, 1>;
    using fvec = xt::xtensor<float, 1>;

    template <class Opt, class T>
    void step_with(Opt& opt, T& w, std::initializer_list<double> g)
    {
        T grad = xt::zeros_like(w);
        std::size_t k = 0;
        for (double x : g) { grad(k++) = static_cast<typename T::value_type>(x); }
        opt.step(w, grad);
    }
}

TEST_CASE("nesterov: b = g on the first step, then mu b + g; update g + mu b")
{
    auto opt = xoptim::nesterov({.lr = 0.1, .momentum = 0.9});
    vec w = {1.0};
    step_with(opt, w, {2.0});
    CHECK(w(0) == doctest::Approx(1.0 - 0.1 * (2.0 + 0.9 * 2.0)).epsilon(1e-15));
    step_with(opt, w, {4.0});
    const double b2 = 0.9 * 2.0 + 4.0;
    CHECK(w(0) == doctest::Approx(0.62 - 0.1 * (4.0 + 0.9 * b2)).epsilon(1e-14));
}

TEST_CASE("momentum with dampening: the first step is not damped")
{
    auto opt = xoptim::sgd({.lr = 0.1, .momentum = 0.9, .dampening = 0.5});
    vec w = {1.0};
    step_with(opt, w, {2.0});
    CHECK(w(0) == doctest::Approx(0.8).epsilon(1e-15));
    step_with(opt, w, {4.0});
    CHECK(w(0) == doctest::Approx(0.8 - 0.1 * (0.9 * 2.0 + 0.5 * 4.0)).epsilon(1e-14));
}

TEST_CASE("amsgrad keeps the maximum second moment; adam does not")
{
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8, lr = 0.1;
    auto ams = xoptim::amsgrad({.lr = lr, .beta1 = b1, .beta2 = b2, .eps = eps});
    auto plain = xoptim::adam({.lr = lr, .beta1 = b1, .beta2 = b2, .eps = eps});
    vec wa = {1.0}, wp = {1.0};
    step_with(ams, wa, {1.0});
    step_with(plain, wp, {1.0});
    const double w1 = 1.0 - lr * 1.0 / (1.0 + eps);
    CHECK(wa(0) == doctest::Approx(w1).epsilon(1e-14));
    CHECK(wp(0) == doctest::Approx(w1).epsilon(1e-14));
    step_with(ams, wa, {0.01});
    step_with(plain, wp, {0.01});
    const double m = b1 * (1 - b1) * 1.0 + (1 - b1) * 0.01;
    const double v = b2 * (1 - b2) * 1.0 + (1 - b2) * 0.0001;  // smaller than the first v
    const double vmax = (1 - b2) * 1.0;
    const double bc1 = 1 - b1 * b1, bc2 = 1 - b2 * b2;
    CHECK(wa(0) == doctest::Approx(w1 - lr * (m / bc1) / (std::sqrt(vmax) / std::sqrt(bc2) + eps)).epsilon(1e-13));
    CHECK(wp(0) == doctest::Approx(w1 - lr * (m / bc1) / (std::sqrt(v) / std::sqrt(bc2) + eps)).epsilon(1e-13));
    CHECK(ams.state().slots.at(2)(0) == doctest::Approx(vmax).epsilon(1e-15));
}

TEST_CASE("rmsprop, centred with momentum")
{
    const double a = 0.9, eps = 1e-8, mu = 0.5, lr = 0.1;
    auto opt = xoptim::rmsprop({.lr = lr, .alpha = a, .eps = eps, .momentum = mu, .centered = true});
    vec w = {2.0};
    step_with(opt, w, {1.0});
    const double buf1 = 1.0 / (std::sqrt(0.1 - 0.01) + eps);
    CHECK(w(0) == doctest::Approx(2.0 - lr * buf1).epsilon(1e-14));
    step_with(opt, w, {3.0});
    const double v = a * 0.1 + (1 - a) * 9.0, m = a * 0.1 + (1 - a) * 3.0;
    const double buf2 = mu * buf1 + 3.0 / (std::sqrt(v - m * m) + eps);
    CHECK(w(0) == doctest::Approx(2.0 - lr * buf1 - lr * buf2).epsilon(1e-14));
}

TEST_CASE("rmsprop, plain, with coupled weight decay")
{
    auto opt = xoptim::rmsprop({.lr = 0.01, .alpha = 0.99, .eps = 1e-8, .weight_decay = 0.5});
    vec w = {2.0};
    step_with(opt, w, {1.0});
    const double g = 1.0 + 0.5 * 2.0;
    CHECK(w(0) == doctest::Approx(2.0 - 0.01 * g / (std::sqrt(0.01 * g * g) + 1e-8)).epsilon(1e-14));
}

TEST_CASE("adagrad: accumulator from its initial value, lr decayed as lr / (1 + (t-1) decay)")
{
    auto opt = xoptim::adagrad({.lr = 0.1, .lr_decay = 0.5, .initial_accumulator_value = 0.1, .eps = 1e-10});
    vec w = {1.0};
    step_with(opt, w, {1.0});
    const double w1 = 1.0 - 0.1 * 1.0 / (std::sqrt(1.1) + 1e-10);
    CHECK(w(0) == doctest::Approx(w1).epsilon(1e-14));
    step_with(opt, w, {2.0});
    CHECK(w(0) == doctest::Approx(w1 - 0.1 / 1.5 * 2.0 / (std::sqrt(5.1) + 1e-10)).epsilon(1e-14));
    CHECK(opt.state().slots.at(0)(0) == doctest::Approx(5.1).epsilon(1e-15));
}

TEST_CASE("lion: the sign of the interpolation, momentum updated after; decoupled decay")
{
    auto opt = xoptim::lion({.lr = 0.1, .beta1 = 0.9, .beta2 = 0.99, .weight_decay = 0.5});
    vec w = {1.0};
    step_with(opt, w, {1.0});
    const double w1 = 1.0 - 0.1 * (1.0 + 0.5 * 1.0);
    CHECK(w(0) == doctest::Approx(w1).epsilon(1e-15));
    // m = 0.01; c = 0.9 * 0.01 + 0.1 * (-0.05) = 0.004 > 0: the sign comes from the momentum.
    step_with(opt, w, {-0.05});
    CHECK(w(0) == doctest::Approx(w1 - 0.1 * (1.0 + 0.5 * w1)).epsilon(1e-15));
    CHECK(opt.state().slots.at(0)(0) == doctest::Approx(0.99 * 0.01 + 0.01 * -0.05).epsilon(1e-14));
}

TEST_CASE("lars: eta ||w|| / (||g|| + wd ||w||) per tensor, then momentum")
{
    auto opt = xoptim::lars({.lr = 1.0, .momentum = 0.9, .weight_decay = 0.01, .trust_coefficient = 0.001});
    vec w = {3.0, 4.0};
    step_with(opt, w, {0.6, 0.8});
    const double r1 = 0.001 * 5.0 / (1.0 + 0.01 * 5.0);
    const double b0 = r1 * (0.6 + 0.03), b1 = r1 * (0.8 + 0.04);
    CHECK(w(0) == doctest::Approx(3.0 - b0).epsilon(1e-15));
    CHECK(w(1) == doctest::Approx(4.0 - b1).epsilon(1e-15));
    const double w0 = w(0), w1 = w(1);
    step_with(opt, w, {0.6, 0.8});
    const double wn = std::hypot(w0, w1);
    const double r2 = 0.001 * wn / (1.0 + 0.01 * wn);
    CHECK(w(0) == doctest::Approx(w0 - (0.9 * b0 + r2 * (0.6 + 0.01 * w0))).epsilon(1e-14));
    CHECK(w(1) == doctest::Approx(w1 - (0.9 * b1 + r2 * (0.8 + 0.01 * w1))).epsilon(1e-14));
}

TEST_CASE("lamb: the trust ratio per tensor, its clamp, and 1 for zero weights")
{
    const double eps = 1e-6;
    const double u0 = 0.5 / (0.5 + eps), u1 = -2.0 / (2.0 + eps);  // first Adam step: g / (|g| + eps)
    SUBCASE("unclamped: ||w|| / ||u||")
    {
        auto opt = xoptim::lamb({.lr = 0.1, .eps = eps});
        vec w = {3.0, 4.0};
        step_with(opt, w, {0.5, -2.0});
        const double r = 5.0 / std::hypot(u0, u1);
        CHECK(w(0) == doctest::Approx(3.0 - 0.1 * r * u0).epsilon(1e-14));
        CHECK(w(1) == doctest::Approx(4.0 - 0.1 * r * u1).epsilon(1e-14));
    }
    SUBCASE("clamped at trust_clip")
    {
        auto opt = xoptim::lamb({.lr = 0.1, .eps = eps, .trust_clip = 2.0});
        vec w = {3.0, 4.0};
        step_with(opt, w, {0.5, -2.0});
        CHECK(w(0) == doctest::Approx(3.0 - 0.1 * 2.0 * u0).epsilon(1e-14));
    }
    SUBCASE("zero weights: ratio 1")
    {
        auto opt = xoptim::lamb({.lr = 0.1, .eps = eps});
        vec w = {0.0, 0.0};
        step_with(opt, w, {0.5, -2.0});
        CHECK(w(0) == doctest::Approx(-0.1 * u0).epsilon(1e-14));
        CHECK(w(1) == doctest::Approx(-0.1 * u1).epsilon(1e-14));
    }
    SUBCASE("weight decay inside the ratio")
    {
        auto opt = xoptim::lamb({.lr = 0.1, .eps = eps, .weight_decay = 0.1});
        vec w = {3.0, 4.0};
        step_with(opt, w, {0.5, -2.0});
        const double d0 = u0 + 0.3, d1 = u1 + 0.4;
        const double r = 5.0 / std::hypot(d0, d1);
        CHECK(w(0) == doctest::Approx(3.0 - 0.1 * r * d0).epsilon(1e-14));
        CHECK(w(1) == doctest::Approx(4.0 - 0.1 * r * d1).epsilon(1e-14));
    }
}

TEST_CASE("clip by value and clip by norm")
{
    SUBCASE("by value, elementwise")
    {
        xoptim::optimizer opt(xoptim::chain(xoptim::clip_by_value{0.5}, xoptim::scale_by_lr{1.0}));
        vec w = {0.0, 0.0, 0.0};
        step_with(opt, w, {2.0, -0.3, -7.0});
        CHECK(w(0) == -0.5);
        CHECK(w(1) == 0.3);
        CHECK(w(2) == 0.5);
    }
    SUBCASE("by norm, per tensor")
    {
        xoptim::optimizer opt(xoptim::chain(xoptim::clip_by_norm{1.0}, xoptim::scale_by_lr{1.0}));
        vec w = {0.0, 0.0};
        step_with(opt, w, {3.0, 4.0});
        CHECK(w(0) == doctest::Approx(-3.0 / (5.0 + 1e-6)).epsilon(1e-15));
        CHECK(w(1) == doctest::Approx(-4.0 / (5.0 + 1e-6)).epsilon(1e-15));
        vec small = {0.0, 0.0};
        xoptim::optimizer opt2(xoptim::chain(xoptim::clip_by_norm{10.0}, xoptim::scale_by_lr{1.0}));
        step_with(opt2, small, {3.0, 4.0});
        CHECK(small(0) == -3.0);  // below the threshold: untouched
    }
}

TEST_CASE("the seed notebook's momentum variants")
{
    using namespace xoptim;
    SUBCASE("plain sum from zero: b = mu b + g")
    {
        optimizer opt(chain(trace{0.9}, scale_by_lr{0.1}));
        vec w = {0.0};
        step_with(opt, w, {1.0});
        step_with(opt, w, {2.0});
        CHECK(w(0) == doctest::Approx(-0.1 * 1.0 - 0.1 * (0.9 + 2.0)).epsilon(1e-15));
    }
    SUBCASE("EWMA from zero, and debiased")
    {
        optimizer avg(chain(ewma{0.9, false}, scale_by_lr{1.0}));
        optimizer deb(chain(ewma{0.9, true}, scale_by_lr{1.0}));
        vec wa = {0.0}, wd = {0.0};
        step_with(avg, wa, {1.0});
        step_with(deb, wd, {1.0});
        CHECK(wa(0) == doctest::Approx(-0.1).epsilon(1e-15));
        CHECK(wd(0) == doctest::Approx(-1.0).epsilon(1e-15));
        step_with(avg, wa, {2.0});
        step_with(deb, wd, {2.0});
        CHECK(wa(0) == doctest::Approx(-0.1 - 0.29).epsilon(1e-15));
        CHECK(wd(0) == doctest::Approx(-1.0 - 0.29 / 0.19).epsilon(1e-14));
    }
}

TEST_CASE("a user's own composition: clip, then L2 decay, then Adam")
{
    using namespace xoptim;
    optimizer opt(chain(clip_by_value{1.0}, add_weight_decay{0.5}, scale_by_adam{0.9, 0.999, 1e-8}, scale_by_lr{0.1}));
    vec w = {2.0};
    step_with(opt, w, {-10.0});  // clipped to -1, plus 0.5 * 2 = 0: a zero update
    CHECK(w(0) == 2.0);
    step_with(opt, w, {10.0});  // clipped to 1, plus 1 = 2
    const double m = 0.1 * 2.0, v = 0.001 * 4.0;
    const double expected = 2.0 - 0.1 * (m / 0.19) / (std::sqrt(v) / std::sqrt(1 - 0.999 * 0.999) + 1e-8);
    CHECK(w(0) == doctest::Approx(expected).epsilon(1e-14));
}

TEST_CASE("float and double run the same formulas")
{
    auto d = xoptim::adamw({.lr = 0.01, .weight_decay = 0.1});
    auto f = xoptim::adamw<float>({.lr = 0.01, .weight_decay = 0.1});
    vec wd = {1.0, -2.0, 3.0};
    fvec wf = {1.0f, -2.0f, 3.0f};
    for (int k = 0; k < 20; ++k)
    {
        d.step(wd, 2.0 * wd);
        f.step(wf, 2.0f * wf);
    }
    for (std::size_t i = 0; i < 3; ++i) { CHECK(wf(i) == doctest::Approx(wd(i)).epsilon(1e-5)); }
}
