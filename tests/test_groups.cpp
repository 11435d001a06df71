// Registered parameters: tensors of any rank and container type in one group, every group
// stepped by one step(grads), absent gradients as PyTorch treats them, checks before change.
#include <doctest/doctest.h>

#include <xoptim/any_optimizer.hpp>
#include <xoptim/io/checkpoint.hpp>
#include <xoptim/optimizers.hpp>
#include <xoptim/rules/clip_by_global_norm.hpp>

#include <xtensor/xadapt.hpp>
#include <xtensor/xfixed.hpp>
#include <xtensor/xmanipulation.hpp>
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
        {}
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
    check([] { return xoptim::sgd({.lr = 0.05, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true}); },
          "nesterov");
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
    // A view of another kind has no buffer to refer to: refused at registration, by its shape.
    auto lazy = big * 2.0;
    CHECK_THROWS_WITH_AS(xoptim::tensor_ref<const double>{lazy}, doctest::Contains("shape {2, 3} has no buffer"),
                         std::invalid_argument);
    // A parameter whose elements repeat (a stride of 0) cannot be stepped: refused by its strides.
    std::vector<std::size_t> shape = {3};
    std::vector<std::ptrdiff_t> zero = {0};
    CHECK_THROWS_WITH_AS(xoptim::tensor_ref<double>(buffer.data(), shape, zero),
                         doctest::Contains("shape {3} with strides {0} repeats its elements"), std::invalid_argument);
    CHECK(opt.group_count() == 1);
}

namespace
{
    // The strided tensors of a model: a column, every second row, a transpose, a column-major
    // matrix and a reversed vector, each viewing a larger buffer.
    struct strided_model
    {
        mat A = {{0.5, -0.25, 1.0}, {0.75, 0.1, -0.6}, {0.3, 0.2, -0.1}};
        mat B = {{1.5, -0.5}, {0.25, 0.8}, {-1.0, 0.3}, {0.6, -0.7}};
        mat C = {{0.2, 0.4, -0.3}, {0.9, -0.8, 0.7}};
        xt::xarray<double, xt::layout_type::column_major> D = {{0.1, 0.2, 0.3}, {-0.4, 0.5, -0.6}};
        vec E = {0.05, 0.0, -0.05, 0.15};
    };

    // Packed copies of those views, in the same row-major order.
    struct packed_model
    {
        vec a;
        mat b, c;
        mat d;
        vec e;
        explicit packed_model(strided_model& s)
            : a(xt::view(s.A, xt::all(), 1)), b(xt::view(s.B, xt::range(0, 4, 2), xt::all())), c(xt::transpose(s.C)),
              d(s.D), e(xt::view(s.E, xt::range(xt::placeholders::_, xt::placeholders::_, -1)))
        {}
    };

    using overrides = std::vector<std::pair<std::string, double>>;

    template <class Opt>
    void register_strided(Opt& opt, strided_model& s, const overrides& second)
    {
        auto a = xt::view(s.A, xt::all(), 1);
        auto b = xt::view(s.B, xt::range(0, 4, 2), xt::all());
        auto c = xt::transpose(s.C);
        auto e = xt::view(s.E, xt::range(xt::placeholders::_, xt::placeholders::_, -1));
        opt.add_group({a, b});
        opt.add_group({c, s.D, e}, second);
    }

    // Gradients of step k for the packed shapes ({3}, {2, 2}, {3, 2}, {2, 3}, {4}).
    struct strided_grads
    {
        vec ga;
        mat gb, gc, gd;
        vec ge;
        explicit strided_grads(const packed_model& m, int k)
            : ga(m.a * 0.3 + 0.1 * k), gb(m.b - 0.05 * k), gc(m.c * (-0.2) + 0.02 * k), gd(m.d + 0.1),
              ge(m.e * m.e - 0.01 * k)
        {}
    };
}

TEST_CASE("groups: strided views, transposes and column-major tensors register and step as their packed copies do")
{
    auto check = [](auto make, const char* name, bool bitwise, const overrides& second) {
        CAPTURE(name);
        strided_model s;
        packed_model ref(s);
        auto opt = make();
        register_strided(opt, s, second);
        auto packed = make();
        packed.add_group({ref.a, ref.b});
        packed.add_group({ref.c, ref.d, ref.e}, second);
        for (int k = 0; k < 6; ++k)
        {
            const packed_model now(s);
            const strided_grads g(now, k);
            // The gradients strided too: the same values held in transposed buffers.
            const mat gc_t = xt::transpose(g.gc);
            auto gc = xt::transpose(gc_t);
            const bool absent = k == 2;
            REQUIRE(
                opt.step({g.ga, g.gb, gc, g.gd, absent ? xoptim::grad_ref<double>() : xoptim::grad_ref<double>(g.ge)}));
            REQUIRE(packed.step(
                {g.ga, g.gb, g.gc, g.gd, absent ? xoptim::grad_ref<double>() : xoptim::grad_ref<double>(g.ge)}));
        }
        const packed_model after(s);
        if (bitwise)
        {
            CHECK(same_bits(after.a, ref.a));
            CHECK(same_bits(after.b, ref.b));
            CHECK(same_bits(after.c, ref.c));
            CHECK(same_bits(after.d, ref.d));
            CHECK(same_bits(after.e, ref.e));
        }
        else
        {
            // A norm summed block by block rounds differently from one summed in place.
            CHECK(xt::allclose(after.a, ref.a, 1e-13, 0.0));
            CHECK(xt::allclose(after.b, ref.b, 1e-13, 0.0));
            CHECK(xt::allclose(after.c, ref.c, 1e-13, 0.0));
            CHECK(xt::allclose(after.d, ref.d, 1e-13, 0.0));
            CHECK(xt::allclose(after.e, ref.e, 1e-13, 0.0));
        }
        // The elements outside the views are untouched.
        CHECK(s.A(0, 0) == 0.5);
        CHECK(s.A(2, 2) == -0.1);
        CHECK(s.B(1, 0) == 0.25);
        CHECK(s.B(3, 1) == -0.7);
        // And the state is that of the packed run: the same checkpoint bytes.
        CHECK(xoptim::to_bytes(opt) == xoptim::to_bytes(packed));
    };
    const overrides no_decay = {{"weight_decay", 0.0}};
    check([] { return xoptim::adam({.lr = 0.1, .weight_decay = 0.01}); }, "adam", true, no_decay);
    check([] { return xoptim::sgd({.lr = 0.1, .momentum = 0.9, .nesterov = true}); }, "sgd-nesterov", true, {});
    check([] { return xoptim::lamb({.lr = 0.1, .weight_decay = 0.01}); }, "lamb", false, no_decay);
    check(
        [] {
            return xoptim::optimizer(xoptim::chain(xoptim::clip_by_global_norm{0.3, true}, xoptim::scale_by_adam{},
                                                   xoptim::scale_by_lr{0.1}));
        },
        "clip + adam", false, {});
}

TEST_CASE("groups: a checkpoint writes and reads the values of strided parameters in row-major order")
{
    strided_model s;
    auto opt = xoptim::adam({.lr = 0.1});
    register_strided(opt, s, {});
    auto refs = std::vector<xoptim::tensor_ref<double>>{};
    auto column = xt::view(s.A, xt::all(), 1);
    refs.emplace_back(column);
    refs.emplace_back(s.D);
    const auto bytes = xoptim::to_bytes(opt, refs);
    const mat A0 = s.A;
    const auto D0 = s.D;
    s.A.fill(7.0);
    s.D.fill(8.0);
    xoptim::from_bytes(bytes, opt, refs);
    CHECK(same_bits(xt::view(s.A, xt::all(), 1), xt::view(A0, xt::all(), 1)));
    CHECK(same_bits(s.D, D0));
    CHECK(s.A(0, 0) == 7.0);  // only the view is read back
}

TEST_CASE("groups: an optimizer chosen at run time steps strided tensors, alone and in groups")
{
    strided_model s;
    packed_model ref(s);
    auto opt = xoptim::make_optimizer<double>("adamw", {{"lr", 0.05}});
    auto typed = xoptim::adamw({.lr = 0.05});
    auto column = xt::view(s.A, xt::all(), 1);
    const mat gsrc = {{0.3, -0.1}, {0.2, 0.5}, {0.4, -0.6}};
    auto gcol = xt::view(gsrc, xt::all(), 0);  // a strided gradient, referred to, not copied
    for (int k = 0; k < 3; ++k)
    {
        CHECK(opt.step(column, gcol));
        CHECK(typed.step(ref.a, xt::eval(gcol)));
    }
    CHECK(same_bits(xt::view(s.A, xt::all(), 1), ref.a));
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
    CHECK_THROWS_WITH_AS(opt.step({g.gW1, g.gW2, g.gb1}),
                         "xoptim::optimizer::step: 3 gradients for 4 registered tensors", std::invalid_argument);
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
    CHECK(xoptim::to_bytes(opt, std::vector<xoptim::tensor_ref<double>>{m.W1, m.W2, m.b1, m.b2})
          != after_good);  // skip counts
    CHECK(opt.step_count(0) == 2);
    CHECK(opt.skipped_steps(0) == 1);
    CHECK(opt.skipped_steps(1) == 1);
    CHECK(same_bits(m.W1, xt::xtensor<double, 2>(m.W1)));

    // The per-group step of a registered group is refused, so the two cannot drift apart.
    std::vector<mat> ps = {m.W1};
    std::vector<mat> gs = {g.gW1};
    CHECK_THROWS_WITH_AS(opt.step(0, ps, gs), doctest::Contains("group 0 has registered tensors"),
                         std::invalid_argument);
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
    CHECK_THROWS_WITH_AS(
        xoptim::from_bytes(bytes, wrong_count),
        doctest::Contains("group 0 tensor count: expected 1 (the tensors registered with the group), found 2"),
        xoptim::checkpoint_error);
    auto wrong_shape = xoptim::adam({.lr = 0.1});
    wrong_shape.add_group({other.W1, other.W2});
    CHECK_THROWS_WITH_AS(xoptim::from_bytes(bytes, wrong_shape),
                         doctest::Contains("group 0 tensor 1 shape: expected {3, 2}"), xoptim::checkpoint_error);
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
        return xoptim::optimizer(
            xoptim::chain(xoptim::clip_by_global_norm{0.5, false}, xoptim::scale_by_adam{}, xoptim::scale_by_lr{0.1}));
    };
    auto o1 = clipped_adam();
    o1.add_group({r, s});
    CHECK(o1.step({gx, gy}));
    CHECK(o1.step({gx, xoptim::grad_ref<double>()}));
    CHECK(o1.step({gx, gy}));
    CHECK(o1.state(0, 1).lag == 1);
}
