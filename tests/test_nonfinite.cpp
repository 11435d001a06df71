// Non-finite gradients: propagate (the default), skip_step (nothing changes, the skip is
// counted) and throw_error (an exception naming the tensor and element, nothing changes).
#include <doctest/doctest.h>

#include <xoptim/core/finite.hpp>
#include <xoptim/io/checkpoint.hpp>
#include <xoptim/optimizers.hpp>

#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "reliability_helpers.hpp"

namespace
{
    constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
    constexpr double inf_v = std::numeric_limits<double>::infinity();
}

TEST_CASE("nonfinite: the default policy propagates, as PyTorch does")
{
    auto o = xoptim::sgd(xoptim::sgd_options{0.1});
    CHECK(o.nonfinite() == xoptim::nonfinite_policy::propagate);
    xt::xtensor<double, 1> w{1.0, 2.0, 3.0};
    CHECK(o.step(w, xt::xtensor<double, 1>{1.0, nan_v, inf_v}));
    CHECK(w(0) == 1.0 - 0.1);
    CHECK(std::isnan(w(1)));
    CHECK(w(2) == -inf_v);
    CHECK(o.step_count() == 1);
    CHECK(o.skipped_steps() == 0);
}

TEST_CASE("nonfinite: skip_step leaves parameters, state and step count as they were")
{
    int checked = 0;
    xrel::for_each_named<double>(0.05, [&](const char* name, auto make) {
        CAPTURE(std::string(name));
        for (double bad : {nan_v, inf_v, -inf_v})
        {
            auto o = make();
            o.set_nonfinite_policy(xoptim::nonfinite_policy::skip_step);
            auto p = xrel::make_params<double>(5);
            xrel::run_steps(o, p, 0, 3);
            const auto before = xoptim::to_bytes(o, p);

            auto g = xrel::gradient(p, 3);
            g[1](2, 4) = bad;  // the last element of the second tensor: the first is already stepped in a fused loop
            CHECK_FALSE(o.step(0, p, g));
            CHECK(o.step_count() == 3);
            CHECK(o.skipped_steps() == 1);
            // The state before the skip is that of a run that never saw the bad gradient.
            auto o_ref = make();
            auto p_ref = xrel::make_params<double>(5);
            xrel::run_steps(o_ref, p_ref, 0, 3);
            CHECK(xoptim::to_bytes(o_ref, p_ref) == before);
            for (std::size_t k = 0; k < p.size(); ++k) { CHECK(xrel::same_bits(p[k], p_ref[k])); }
            CHECK(o.groups()[0].skipped == 1);
            o.groups()[0].skipped = 0;
            CHECK(xrel::same_state(o, o_ref));

            // The next good step is the one an uninterrupted run takes.
            xrel::run_steps(o, p, 3, 2);
            xrel::run_steps(o_ref, p_ref, 3, 2);
            CHECK(xrel::same_state(o, o_ref));
            for (std::size_t k = 0; k < p.size(); ++k) { CHECK(xrel::same_bits(p[k], p_ref[k])); }
        }
        ++checked;
    });
    CHECK(checked == 11);
}

TEST_CASE("nonfinite: a skipped first step makes no state")
{
    auto o = xoptim::adam();
    o.set_nonfinite_policy(xoptim::nonfinite_policy::skip_step);
    xt::xtensor<double, 1> w{1.0, 2.0};
    CHECK_FALSE(o.step(w, xt::xtensor<double, 1>{nan_v, 0.0}));
    CHECK(o.groups()[0].tensors.empty());
    CHECK(o.step_count() == 0);
    CHECK(o.skipped_steps() == 1);
    CHECK(o.step(w, xt::xtensor<double, 1>{1.0, 1.0}));
    CHECK(o.step_count() == 1);
    CHECK(o.skipped_steps() == 1);
}

TEST_CASE("nonfinite: throw_error names the group, tensor and element, and changes nothing")
{
    auto o = xoptim::adam(xoptim::adam_options{0.1});
    o.set_nonfinite_policy(xoptim::nonfinite_policy::throw_error);
    auto p = xrel::make_params<double>(11);
    xrel::run_steps(o, p, 0, 2);
    const auto before = xoptim::to_bytes(o, p);
    auto g = xrel::gradient(p, 2);
    g[1](1, 2) = -inf_v;
    g[1](2, 0) = nan_v;
    try
    {
        o.step(0, p, g);
        FAIL("no exception");
    }
    catch (const xoptim::nonfinite_gradient& e)
    {
        CHECK(e.group() == 0);
        CHECK(e.tensor() == 1);
        CHECK(e.element() == 7);  // row-major position of (1, 2) in a 3 x 5 tensor
        CHECK(e.value() == -inf_v);
        CHECK(std::string(e.what())
              == "xoptim::optimizer::step: gradient of tensor 1 (group 0) is -inf at element 7 (index {1, 2}); "
                 "nothing was changed");
    }
    CHECK(xoptim::to_bytes(o, p) == before);
    CHECK(o.step_count() == 2);
    CHECK(o.skipped_steps() == 0);
}

TEST_CASE("nonfinite: the check sees through expressions and strided views")
{
    auto o = xoptim::sgd(xoptim::sgd_options{0.1});
    o.set_nonfinite_policy(xoptim::nonfinite_policy::throw_error);
    xt::xtensor<double, 2> w = {{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}};
    const auto w0 = w;
    xt::xtensor<double, 2> g = {{0.0, 0.0, 0.0}, {0.0, 0.0, 0.0}};
    g(1, 1) = nan_v;
    // A lazy expression: 2 * g, evaluated by the scan.
    CHECK_THROWS_WITH_AS(o.step(w, 2.0 * g), doctest::Contains("is nan at element 4 (index {1, 1})"),
                         xoptim::nonfinite_gradient);
    // A transposed (non-contiguous) gradient of a transposed parameter.
    auto wt = xt::transpose(w);
    CHECK_THROWS_WITH_AS(o.step(wt, xt::transpose(g)), doctest::Contains("at element 3 (index {1, 1})"),
                         xoptim::nonfinite_gradient);
    // A column view.
    auto col = xt::view(w, xt::all(), 1);
    CHECK_THROWS_WITH_AS(o.step(col, xt::view(g, xt::all(), 1)), doctest::Contains("at element 1 (index {1})"),
                         xoptim::nonfinite_gradient);
    CHECK(xrel::same_bits(w, w0));
    CHECK(o.step_count() == 0);
    // The same gradient without the NaN steps normally.
    g(1, 1) = 1.0;
    CHECK(o.step(w, 2.0 * g));
    CHECK(w(1, 1) == 5.0 - 0.1 * 2.0);
}

TEST_CASE("nonfinite: a bad tensor in a later group leaves the other groups alone")
{
    auto o = xoptim::momentum(xoptim::momentum_options{0.1});
    o.add_group(
        xoptim::sgd_rule<>(xoptim::add_weight_decay{0.0}, xoptim::trace{0.5, 0.0, false}, xoptim::scale_by_lr<>{0.2}));
    o.set_nonfinite_policy(xoptim::nonfinite_policy::skip_step);
    std::vector<xt::xtensor<double, 1>> a{xt::xtensor<double, 1>{1.0, 2.0}};
    std::vector<xt::xtensor<double, 1>> b{xt::xtensor<double, 1>{3.0}};
    CHECK(o.step(0, a, std::vector<xt::xtensor<double, 1>>{xt::xtensor<double, 1>{1.0, 1.0}}));
    CHECK_FALSE(o.step(1, b, std::vector<xt::xtensor<double, 1>>{xt::xtensor<double, 1>{nan_v}}));
    CHECK(o.step_count(0) == 1);
    CHECK(o.skipped_steps(0) == 0);
    CHECK(o.step_count(1) == 0);
    CHECK(o.skipped_steps(1) == 1);
    CHECK(b[0](0) == 3.0);
}

TEST_CASE("nonfinite: the skip count is part of a checkpoint")
{
    auto o = xoptim::adam();
    o.set_nonfinite_policy(xoptim::nonfinite_policy::skip_step);
    xt::xtensor<double, 1> w{1.0, 2.0};
    o.step(w, xt::xtensor<double, 1>{1.0, 1.0});
    o.step(w, xt::xtensor<double, 1>{inf_v, 1.0});
    o.step(w, xt::xtensor<double, 1>{nan_v, 1.0});
    auto r = xoptim::adam();
    xoptim::from_bytes(xoptim::to_bytes(o), r);
    CHECK(r.skipped_steps() == 2);
    CHECK(r.step_count() == 1);
}

TEST_CASE("nonfinite: finite extremes are not mistaken for non-finite values")
{
    auto o = xoptim::sgd(xoptim::sgd_options{0.0});
    o.set_nonfinite_policy(xoptim::nonfinite_policy::throw_error);
    xt::xtensor<double, 1> w{0.0, 0.0, 0.0, 0.0};
    const double big = std::numeric_limits<double>::max();
    const double tiny = std::numeric_limits<double>::denorm_min();
    CHECK(o.step(w, xt::xtensor<double, 1>{big, -big, tiny, -0.0}));
    auto f = xoptim::sgd<float>(xoptim::sgd_options{0.0});
    f.set_nonfinite_policy(xoptim::nonfinite_policy::throw_error);
    xt::xtensor<float, 1> v{0.0f, 0.0f};
    CHECK(
        f.step(v, xt::xtensor<float, 1>{std::numeric_limits<float>::max(), std::numeric_limits<float>::denorm_min()}));
    CHECK_THROWS_AS(f.step(v, xt::xtensor<float, 1>{0.0f, std::numeric_limits<float>::infinity()}),
                    xoptim::nonfinite_gradient);
}

TEST_CASE("nonfinite: policy names")
{
    CHECK(std::string(xoptim::to_string(xoptim::nonfinite_policy::propagate)) == "propagate");
    CHECK(std::string(xoptim::to_string(xoptim::nonfinite_policy::skip_step)) == "skip_step");
    CHECK(std::string(xoptim::to_string(xoptim::nonfinite_policy::throw_error)) == "throw_error");
}
