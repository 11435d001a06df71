// Registered parameters: tensors of any rank and container type in one group, every group
// stepped by one step(grads), absent gradients as PyTorch treats them, checks before change.
#include <doctest/doctest.h>

#include <xoptim/any_optimizer.hpp>
#include <xoptim/io/checkpoint.hpp>
#include <xoptim/rules/clip_by_global_norm.hpp>
#include <xoptim/optimizers.hpp>

#include <xtensor/xadapt.hpp>
#include <xtensor/xfixed.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace
{
    using vec = xt::xtensor<double, 1>;
    using mat = xt::xtensor<double, 2>;

    template <class A, class B>
    bool same_bits(const A& a, const B& b)
    {
        if (a.size() != b.size()) { return false; }
        auto i = a.begin();
        for (auto j = b.begin(); j != b.end(); ++i, ++j)
        {
            const double x = *i, y = *j;
            if (std::memcmp(&x, &y, sizeof x) != 0) { return false; }
        }
        return true;
    }

    // A model of four tensors of three container types.
    struct model
    {
        mat W1 = {{0.5, -0.25, 1.0}, {0.75, 0.1, -0.6}};
        vec b1 = {0.1, -0.2};
        xt::xarray<double> W2 = {{1.5, -0.5}, {0.25, 0.8}, {-1.0, 0.3}};
        xt::xtensor_fixed<double, xt::xshape<3>> b2 = {0.05, 0.0, -0.05};
    };

    // Gradients of step k, different per tensor and per step.
    struct grads_at
    {
        mat gW1;
        vec gb1;
        xt::xarray<double> gW2;
        xt::xtensor_fixed<double, xt::xshape<3>> gb2;
        explicit grads_at(const model& m, int k)
            : gW1(m.W1 * 0.3 + 0.1 * k), gb1(m.b1 - 0.05 * k), gW2(m.W2 * (-0.2) + 0.02 * k), gb2(m.b2 + 0.1)
        {
        }
    };
}

TEST_CASE("groups: registered tensors of any rank and type, one step for all groups, equal to stepping each alone")
{
    auto check = [](auto make, const char* name) {
        CAPTURE(std::string(name));
        model m;
        model alone = m;
        auto opt = make();
        const std::size_t weights = opt.add_group({m.W1, m.W2});
        const std::size_t biases = opt.add_group({m.b1, m.b2}, {{"weight_decay", 0.0}});
        CHECK(weights == 0);
        CHECK(biases == 1);
        CHECK(opt.registered_count() == 4);
        CHECK(opt.get(biases, "weight_decay") == 0.0);

        // The same, one optimizer per tensor, by the single-tensor step.
        auto oW1 = make(), oW2 = make(), ob1 = make(), ob2 = make();
        ob1.set(0, "weight_decay", 0.0);
        ob2.set(0, "weight_decay", 0.0);
        for (int k = 0; k < 6; ++k)
        {
            const grads_at g(m, k);
            CHECK(opt.step({g.gW1, g.gW2, g.gb1, g.gb2}));
            const grads_at h(alone, k);
            oW1.step(alone.W1, h.gW1);
            oW2.step(alone.W2, h.gW2);
            ob1.step(alone.b1, h.gb1);
            ob2.step(alone.b2, h.gb2);
        }
        CHECK(same_bits(m.W1, alone.W1));
        CHECK(same_bits(m.b1, alone.b1));
        CHECK(same_bits(m.W2, alone.W2));
        CHECK(same_bits(m.b2, alone.b2));
        CHECK(opt.step_count(weights) == 6);
        CHECK(opt.step_count(biases) == 6);
        CHECK(opt.state(weights, 1).shape == std::vector<std::size_t>{3, 2});
    };
    check([] { return xoptim::adamw({.lr = 0.05, .weight_decay = 0.1}); }, "adamw");
    check([] { return xoptim::sgd({.lr = 0.05, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true}); }, "nesterov");
    check([] { return xoptim::lamb({.lr = 0.05, .weight_decay = 0.01}); }, "lamb");
    check([] { return xoptim::lars({.lr = 0.5, .weight_decay = 0.01}); }, "lars");
}

TEST_CASE("groups: xt::adapt over foreign memory and a contiguous view register too")
{
    std::vector<double> buffer = {1.0, 2.0, 3.0, 4.0};
    auto adapted = xt::adapt(buffer, std::vector<std::size_t>{2, 2});
    mat big = {{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}};
    auto row = xt::view(big, 1, xt::all());
    auto opt = xoptim::sgd({.lr = 0.5});
    opt.add_group({adapted, row});
    const mat g1 = {{1.0, 1.0}, {1.0, 1.0}};
    const vec g2 = {2.0, 2.0, 2.0};
    CHECK(opt.step({g1, g2}));
    CHECK(buffer == std::vector<double>{0.5, 1.5, 2.5, 3.5});
    CHECK(big == mat{{1.0, 2.0, 3.0}, {3.0, 4.0, 5.0}});
    // A strided view is not one tensor of memory: refused at registration, naming its shape.
    auto column = xt::view(big, xt::all(), 0);
    CHECK_THROWS_WITH_AS(opt.add_group({column}), doctest::Contains("shape {2} is not row-major contiguous"),
                         std::invalid_argument);
    CHECK(opt.group_count() == 1);
}

TEST_CASE("groups: a tensor without a gradient keeps its values and state, and counts its own steps as PyTorch")
{
    model m;
    auto opt = xoptim::adam({.lr = 0.1});
    opt.add_group({m.W1, m.b1});
    // Reference: b1 stepped by an optimizer of its own, skipping the same steps.
    vec b1 = m.b1;
    mat W1 = m.W1;
    auto ob = xoptim::adam({.lr = 0.1});
    auto ow = xoptim::adam({.lr = 0.1});
    for (int k = 0; k < 5; ++k)
    {
        const grads_at g(m, k);
        const bool with_b = k != 1 && k != 2;
        const vec before = m.b1;
        CHECK(opt.step({g.gW1, with_b ? xoptim::grad_ref<double>(g.gb1) : xoptim::grad_ref<double>()}));
        if (!with_b) { CHECK(same_bits(m.b1, before)); }
        const grads_at h(model{W1, b1, m.W2, m.b2}, k);
        ow.step(W1, h.gW1);
        if (with_b) { ob.step(b1, h.gb1); }
    }
    CHECK(opt.step_count() == 5);
    CHECK(opt.state(0, 1).lag == 2);
    CHECK(same_bits(m.W1, W1));
    CHECK(same_bits(m.b1, b1));  // its bias corrections used its own 3 steps, not the group's 5

    // A checkpoint keeps the steps sat out.
    auto fresh = xoptim::adam({.lr = 0.1});
    model other;
    fresh.add_group({other.W1, other.b1});
    xoptim::from_bytes(xoptim::to_bytes(opt), fresh);
    CHECK(fresh.state(0, 1).lag == 2);

    // A group none of whose tensors has a gradient does not count a step.
    CHECK(opt.step({xoptim::grad_ref<double>(), xoptim::grad_ref<double>()}));
    CHECK(opt.step_count() == 5);
}

TEST_CASE("groups: a bad step(grads) changes nothing")
{
    model m;
    auto opt = xoptim::adam({.lr = 0.1});
    opt.add_group({m.W1, m.W2});
    opt.add_group({m.b1, m.b2}, {{"weight_decay", 0.0}});
    const grads_at g(m, 0);
    REQUIRE(opt.step({g.gW1, g.gW2, g.gb1, g.gb2}));
    const auto before = xoptim::to_bytes(opt, std::vector<xoptim::tensor_ref<double>>{m.W1, m.W2, m.b1, m.b2});
    auto unchanged = [&] {
        CHECK(xoptim::to_bytes(opt, std::vector<xoptim::tensor_ref<double>>{m.W1, m.W2, m.b1, m.b2}) == before);
    };
    CHECK_THROWS_WITH_AS(opt.step({g.gW1, g.gW2, g.gb1}), "xoptim::optimizer::step: 3 gradients for 4 registered tensors",
                         std::invalid_argument);
    unchanged();
    const vec wrong = {1.0, 2.0, 3.0, 4.0};
    // The last tensor's gradient has the wrong shape: the first groups are not stepped either.
    CHECK_THROWS_WITH_AS(opt.step({g.gW1, g.gW2, g.gb1, wrong}), doctest::Contains("grad of tensor 3 has shape {4}"),
                         std::invalid_argument);
    CHECK_NOTHROW(opt.step({g.gW1, g.gW2, g.gb1, g.gb2}));
    const auto after_good = xoptim::to_bytes(opt, std::vector<xoptim::tensor_ref<double>>{m.W1, m.W2, m.b1, m.b2});
    CHECK_THROWS_AS(opt.step({g.gW1, g.gW2, wrong, g.gb2}), std::invalid_argument);
    CHECK(xoptim::to_bytes(opt, std::vector<xoptim::tensor_ref<double>>{m.W1, m.W2, m.b1, m.b2}) == after_good);

    // Non-finite gradients under skip_step: no group steps.
    opt.set_nonfinite_policy(xoptim::nonfinite_policy::skip_step);
    vec nan_b = g.gb1;
    nan_b(1) = std::numeric_limits<double>::quiet_NaN();
    CHECK_FALSE(opt.step({g.gW1, g.gW2, nan_b, g.gb2}));
    CHECK(xoptim::to_bytes(opt, std::vector<xoptim::tensor_ref<double>>{m.W1, m.W2, m.b1, m.b2}) != after_good);  // skip counts
    CHECK(opt.step_count(0) == 2);
    CHECK(opt.skipped_steps(0) == 1);
    CHECK(opt.skipped_steps(1) == 1);
    CHECK(same_bits(m.W1, xt::xtensor<double, 2>(m.W1)));

    // The per-group step of a registered group is refused, so the two cannot drift apart.
    std::vector<mat> ps = {m.W1};
    std::vector<mat> gs = {g.gW1};
    CHECK_THROWS_WITH_AS(opt.step(0, ps, gs), doctest::Contains("group 0 has registered tensors"), std::invalid_argument);
}

TEST_CASE("groups: an optimizer chosen at run time registers and steps groups the same way")
{
    model a, b;
    auto any = xoptim::make_optimizer("adamw", {{"lr", 0.05}, {"weight_decay", 0.1}});
    auto typed = xoptim::adamw({.lr = 0.05, .weight_decay = 0.1});
    any.add_group({a.W1, a.W2});
    any.add_group({a.b1, a.b2}, {{"weight_decay", 0.0}});
    typed.add_group({b.W1, b.W2});
    typed.add_group({b.b1, b.b2}, {{"weight_decay", 0.0}});
    CHECK_THROWS_AS(any.add_group({a.b1}, {{"weight_decay", -1.0}}), std::invalid_argument);
    CHECK(any.group_count() == 2);
    for (int k = 0; k < 4; ++k)
    {
        const grads_at ga(a, k), gb(b, k);
        CHECK(any.step({ga.gW1, ga.gW2, ga.gb1, ga.gb2}));
        CHECK(typed.step({gb.gW1, gb.gW2, gb.gb1, gb.gb2}));
    }
    CHECK(same_bits(a.W1, b.W1));
    CHECK(same_bits(a.b2, b.b2));
    CHECK(any.to_bytes() == xoptim::to_bytes(typed));
}

TEST_CASE("groups: a checkpoint loads into registered groups only with their tensors' count and shapes")
{
    model m;
    auto opt = xoptim::adam({.lr = 0.1});
    opt.add_group({m.W1, m.b1});
    const grads_at g(m, 0);
    REQUIRE(opt.step({g.gW1, g.gb1}));
    const auto bytes = xoptim::to_bytes(opt);
    model other;
    auto wrong_count = xoptim::adam({.lr = 0.1});
    wrong_count.add_group({other.W1});
    CHECK_THROWS_WITH_AS(xoptim::from_bytes(bytes, wrong_count),
                         doctest::Contains("group 0 tensor count: expected 1 (the tensors registered with the group), found 2"),
                         xoptim::checkpoint_error);
    auto wrong_shape = xoptim::adam({.lr = 0.1});
    wrong_shape.add_group({other.W1, other.W2});
    CHECK_THROWS_WITH_AS(xoptim::from_bytes(bytes, wrong_shape), doctest::Contains("group 0 tensor 1 shape: expected {3, 2}"),
                         xoptim::checkpoint_error);
    auto right = xoptim::adam({.lr = 0.1});
    right.add_group({other.W1, other.b1});
    CHECK_NOTHROW(xoptim::from_bytes(bytes, right));
    CHECK(right.step_count() == 1);
}

TEST_CASE("groups: clip_by_global_norm leads a chain and clips by the norm of the whole group, or of all groups")
{
    // Two tensors whose joint gradient norm is 13 (5 and 12): clipped to 1.3, then stepped with lr 1.
    vec a = {0.0, 0.0};
    mat b = {{0.0, 0.0}};
    const vec ga = {3.0, 4.0};
    const mat gb = {{12.0, 0.0}};
    xoptim::optimizer opt(xoptim::chain(xoptim::clip_by_global_norm{1.3}, xoptim::scale_by_lr{1.0}));
    opt.add_group({a, b});
    CHECK(opt.step({ga, gb}));
    const double scale = 1.3 / (13.0 + 1e-6);
    CHECK(a(0) == doctest::Approx(-3.0 * scale).epsilon(1e-15));
    CHECK(a(1) == doctest::Approx(-4.0 * scale).epsilon(1e-15));
    CHECK(b(0, 0) == doctest::Approx(-12.0 * scale).epsilon(1e-15));
    // A norm below max_norm leaves the gradients as they are.
    opt.set(0, "max_norm", 100.0);
    CHECK(opt.step({ga, gb}));
    CHECK(a(1) == doctest::Approx(-4.0 * scale - 4.0).epsilon(1e-15));

    // Across groups: the norm of both groups together; per group: each its own.
    vec x = {0.0, 0.0}, y = {0.0, 0.0};
    const vec gx = {3.0, 4.0}, gy = {0.0, 12.0};
    xoptim::optimizer across(xoptim::chain(xoptim::clip_by_global_norm{1.3, true}, xoptim::scale_by_lr{1.0}));
    across.add_group({x});
    across.add_group({y});
    CHECK(across.step({gx, gy}));
    CHECK(x(1) == doctest::Approx(-4.0 * scale).epsilon(1e-15));
    CHECK(y(1) == doctest::Approx(-12.0 * scale).epsilon(1e-15));
    vec u = {0.0, 0.0}, v = {0.0, 0.0};
    xoptim::optimizer alone(xoptim::chain(xoptim::clip_by_global_norm{1.3, false}, xoptim::scale_by_lr{1.0}));
    alone.add_group({u});
    alone.add_group({v});
    CHECK(alone.step({gx, gy}));
    CHECK(u(1) == doctest::Approx(-4.0 * 1.3 / (5.0 + 1e-6)).epsilon(1e-15));
    CHECK(v(1) == doctest::Approx(-12.0 * 1.3 / (12.0 + 1e-6)).epsilon(1e-15));
    // An absent gradient is not in the norm (torch clips only the gradients that exist).
    vec p = {0.0, 0.0}, q = {0.0, 0.0};
    xoptim::optimizer some(xoptim::chain(xoptim::clip_by_global_norm{1.0, true}, xoptim::scale_by_lr{1.0}));
    some.add_group({p, q});
    CHECK(some.step({gx, xoptim::grad_ref<double>()}));
    CHECK(p(1) == doctest::Approx(-4.0 / (5.0 + 1e-6)).epsilon(1e-15));
    CHECK(q(1) == 0.0);

    // Several tensors of an unregistered group cannot share the norm: refused, not wrong.
    std::vector<vec> ps = {vec{1.0}, vec{2.0}};
    std::vector<vec> gs = {vec{1.0}, vec{1.0}};
    xoptim::optimizer loose(xoptim::chain(xoptim::clip_by_global_norm{1.0}, xoptim::scale_by_lr{1.0}));
    CHECK_THROWS_AS(loose.step(0, ps, gs), std::logic_error);
    // With Adam after it, a tensor that sat out steps keeps its own count but the group's norm.
    vec r = {1.0, 1.0}, s = {1.0, 1.0};
    auto clipped_adam = [] {
        return xoptim::optimizer(xoptim::chain(xoptim::clip_by_global_norm{0.5, false}, xoptim::scale_by_adam{},
                                               xoptim::scale_by_lr{0.1}));
    };
    auto o1 = clipped_adam();
    o1.add_group({r, s});
    CHECK(o1.step({gx, gy}));
    CHECK(o1.step({gx, xoptim::grad_ref<double>()}));
    CHECK(o1.step({gx, gy}));
    CHECK(o1.state(0, 1).lag == 1);
}
