// xoptim::shampoo against a transcription of Distributed Shampoo with Adam grafting
// (tests/data/shampoo.csv, made by scripts/reference/shampoo.py), a diagonal gradient whose
// inverse roots are elementwise, bit-exact checkpoint resumes across a recomputation, and bad
// input.
#include <doctest/doctest.h>

#include <xoptim/shampoo.hpp>

#include <xtensor/xtensor.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "reference_csv.hpp"

namespace
{
    template <class V>
    xt::xtensor<V, 2> from_numbers(const std::vector<double>& v, std::size_t rows, std::size_t cols)
    {
        REQUIRE(v.size() == rows * cols);
        xt::xtensor<V, 2> m = xt::zeros<V>({rows, cols});
        for (std::size_t i = 0; i < v.size(); ++i) { m.data()[i] = static_cast<V>(v[i]); }
        return m;
    }

    template <class V>
    double max_relative(const xt::xtensor<V, 2>& a, const xt::xtensor<V, 2>& b)
    {
        double worst = 0.0;
        for (std::size_t i = 0; i < a.size(); ++i)
        {
            const double x = static_cast<double>(a.data()[i]), y = static_cast<double>(b.data()[i]);
            worst = std::max(worst, std::abs(x - y) / std::max(1.0, std::abs(y)));
        }
        return worst;
    }

    xoptim::shampoo_options options_of(const xoptim_test::csv_row& head)
    {
        xoptim::shampoo_options o;
        o.lr = head.number("lr");
        o.beta1 = head.number("beta1");
        o.beta2 = head.number("beta2");
        o.epsilon = head.number("epsilon");
        o.momentum = head.number("momentum");
        o.dampening = head.number("dampening");
        o.weight_decay = head.number("weight_decay");
        o.precondition_frequency = static_cast<std::uint64_t>(head.number("precondition_frequency"));
        o.start_preconditioning_step = static_cast<std::int64_t>(head.number("start_preconditioning_step"));
        o.use_nesterov = head.number("use_nesterov") != 0.0;
        o.use_bias_correction = head.number("use_bias_correction") != 0.0;
        o.use_decoupled_weight_decay = head.number("use_decoupled_weight_decay") != 0.0;
        o.grafting_beta2 = head.number("grafting_beta2");
        o.grafting_epsilon = head.number("grafting_epsilon");
        return o;
    }

    // Runs every case of one dtype; `tweak` may change the options (to show the check can fail).
    // Returns the worst relative difference over all steps and the number of cases.
    template <class V, class Tweak>
    std::pair<double, int> run_reference(const char* dtype, Tweak tweak)
    {
        xoptim_test::csv_table t;
        xoptim_test::read_csv_table("shampoo.csv", t);
        REQUIRE(t.rows.size() > 0);
        double worst = 0.0;
        int cases = 0;
        for (std::size_t i = 0; i < t.rows.size();)
        {
            const auto& head = t.rows[i];
            const std::string name = head["case"];
            if (head["dtype"] != dtype)
            {
                ++i;
                continue;
            }
            CAPTURE(name);
            REQUIRE(head.number("step") == 0.0);
            const auto rows = static_cast<std::size_t>(head.number("rows"));
            const auto cols = static_cast<std::size_t>(head.number("cols"));
            const xoptim::shampoo_options reference = options_of(head);
            xoptim::shampoo_options o = reference;
            tweak(o);
            auto opt = xoptim::shampoo<V>(o);
            auto p = from_numbers<V>(head.numbers("param"), rows, cols);
            ++i;
            int steps = 0, recomputations = 0;
            for (; i < t.rows.size() && t.rows[i]["case"] == name; ++i)
            {
                ++steps;
                const auto g = from_numbers<V>(t.rows[i].numbers("grad"), rows, cols);
                const auto want = from_numbers<V>(t.rows[i].numbers("param"), rows, cols);
                const bool recomputed = t.rows[i].number("recomputed") != 0.0;
                CHECK(xoptim::shampoo_recomputes(reference, static_cast<std::uint64_t>(steps)) == recomputed);
                recomputations += recomputed ? 1 : 0;
                opt.step(p, g);
                worst = std::max(worst, max_relative(p, want));
            }
            CHECK(steps == 12);
            CHECK(recomputations >= 2);
            CHECK(opt.step_count() == 12);
            ++cases;
        }
        return {worst, cases};
    }

    template <class V>
    xt::xtensor<V, 2> random_matrix(std::size_t rows, std::size_t cols, std::uint64_t seed)
    {
        std::mt19937_64 gen(seed);
        xt::xtensor<V, 2> m = xt::zeros<V>({rows, cols});
        for (auto& x : m) { x = static_cast<V>(static_cast<double>(gen() >> 11) * 0x1p-53 * 2.0 - 1.0); }
        return m;
    }
}

TEST_CASE("shampoo equals the transcription of Distributed Shampoo with Adam grafting, double to 1e-9")
{
    const auto [worst, cases] = run_reference<double>("float64", [](xoptim::shampoo_options&) {});
    CHECK(cases == 5);
    CHECK(worst < 1e-9);
    MESSAGE("shampoo vs reference (double): worst relative difference " << worst);
}

TEST_CASE("shampoo equals the transcription in float to the float tolerance (1e-4)")
{
    const auto [worst, cases] = run_reference<float>("float32", [](xoptim::shampoo_options&) {});
    CHECK(cases == 2);
    CHECK(worst < 1e-4);
    MESSAGE("shampoo vs reference (float): worst relative difference " << worst);
}

TEST_CASE("shampoo: the reference comparison can fail (Adam alone, or another epsilon, is far off)")
{
    const auto adam_only =
        run_reference<double>("float64", [](xoptim::shampoo_options& o) { o.start_preconditioning_step = 100; });
    CHECK(adam_only.first > 1e-4);
    const auto other_eps = run_reference<double>("float64", [](xoptim::shampoo_options& o) { o.epsilon = 1e-2; });
    CHECK(other_eps.first > 1e-6);
}

TEST_CASE("shampoo on a diagonal gradient: the inverse roots are the elementwise (g^2 + eps)^(-1/4)")
{
    // G (4 x 3) with G(i, i) = d_i: L = diag(d^2, 0), R = diag(d^2); with beta2 = 1 and one step
    // L^ = diag((d_i^2 + eps)^(-1/4)), S = L^ G R^ = diag(d_i / sqrt(d_i^2 + eps)), and the
    // grafted step is Adam's first step, sign(G) up to its epsilon, rescaled to Adam's norm.
    const double d[3] = {0.5, -2.0, 0.125};
    const double eps = 1e-3;
    xt::xtensor<double, 2> g = xt::zeros<double>({4, 3});
    for (int i = 0; i < 3; ++i) { g(i, i) = d[i]; }
    xt::xtensor<double, 2> p = xt::ones<double>({4, 3});
    xoptim::shampoo_options o;
    o.lr = 0.1;
    o.epsilon = eps;
    auto opt = xoptim::shampoo<double>(o);
    opt.step(p, g);
    const auto& st = opt.state();
    for (std::size_t i = 0; i < 4; ++i)
    {
        for (std::size_t j = 0; j < 4; ++j)
        {
            const double want = i != j ? 0.0 : std::pow((i < 3 ? d[i] * d[i] : 0.0) + eps, -0.25);
            CHECK(std::abs(st.left_inverse_root(i, j) - want) < 1e-13);
        }
    }
    for (std::size_t i = 0; i < 3; ++i)
    {
        for (std::size_t j = 0; j < 3; ++j)
        {
            const double want = i != j ? 0.0 : std::pow(d[i] * d[i] + eps, -0.25);
            CHECK(std::abs(st.right_inverse_root(i, j) - want) < 1e-13);
        }
    }
    // Adam's first direction: G / (|G| + 1e-8) elementwise (the bias corrections cancel).
    double adam_norm2 = 0.0, shampoo_norm2 = 0.0;
    for (double x : d)
    {
        adam_norm2 += std::pow(x / (std::abs(x) + 1e-8), 2);
        shampoo_norm2 += x * x / (x * x + eps);
    }
    const double ratio = std::sqrt(adam_norm2) / (std::sqrt(shampoo_norm2) + 1e-16);
    for (std::size_t i = 0; i < 4; ++i)
    {
        for (std::size_t j = 0; j < 3; ++j)
        {
            const double s = (i == j) ? d[i] / std::sqrt(d[i] * d[i] + eps) : 0.0;
            CHECK(std::abs(p(i, j) - (1.0 - 0.1 * s * ratio)) < 1e-13);
        }
    }
    // Not Adam's step: the entry with the small gradient moves visibly less than 0.1.
    CHECK(1.0 - p(2, 2) < 0.099);
}

TEST_CASE("shampoo: a checkpoint resumes bit-exactly across a recomputation of the inverse roots")
{
    auto run = [](auto zero) {
        using V = decltype(zero);
        xoptim::shampoo_options o;
        o.beta2 = 0.99;
        o.momentum = 0.5;
        o.weight_decay = 0.01;
        o.precondition_frequency = 3;
        o.start_preconditioning_step = 3;
        o.epsilon = 1e-6;
        const auto target = random_matrix<V>(5, 3, 11);
        auto grad_at = [&](const xt::xtensor<V, 2>& p, int k) {
            xt::xtensor<V, 2> g = p - target;
            const auto noise = random_matrix<V>(5, 3, 100 + static_cast<std::uint64_t>(k));
            for (std::size_t i = 0; i < g.size(); ++i) { g.data()[i] += V(0.3) * noise.data()[i]; }
            return g;
        };
        auto straight = xoptim::shampoo<V>(o);
        xt::xtensor<V, 2> p = random_matrix<V>(5, 3, 12);
        xt::xtensor<V, 2> q = p;
        for (int k = 1; k <= 10; ++k) { straight.step(p, grad_at(p, k)); }

        auto first = xoptim::shampoo<V>(o);
        for (int k = 1; k <= 5; ++k) { first.step(q, grad_at(q, k)); }
        const auto bytes = xoptim::to_bytes(first);
        auto resumed = xoptim::shampoo<V>();
        xoptim::from_bytes(std::span<const unsigned char>(bytes), resumed);
        CHECK(resumed.step_count() == 5);
        CHECK(resumed.options().precondition_frequency == 3);
        for (int k = 6; k <= 10; ++k) { resumed.step(q, grad_at(q, k)); }  // recomputes at 6 and 9
        CHECK(p == q);
        CHECK(resumed.state().left_inverse_root == straight.state().left_inverse_root);
        CHECK(resumed.state().momentum_buffer == straight.state().momentum_buffer);
        // Saved right after a recomputation too (step 6), then three more steps.
        auto again = xoptim::shampoo<V>();
        auto bytes6 = xoptim::to_bytes(resumed);
        xoptim::from_bytes(std::span<const unsigned char>(bytes6), again);
        CHECK(xoptim::to_bytes(again) == bytes6);
    };
    run(0.0);
    run(0.0f);
}

TEST_CASE("shampoo: a damaged or foreign checkpoint is an error and changes nothing")
{
    auto opt = xoptim::shampoo<double>();
    xt::xtensor<double, 2> p = random_matrix<double>(3, 4, 1);
    opt.step(p, random_matrix<double>(3, 4, 2));
    const auto good = xoptim::to_bytes(opt);
    auto target = xoptim::shampoo<double>();
    xt::xtensor<double, 2> p2 = random_matrix<double>(3, 4, 1);
    target.step(p2, random_matrix<double>(3, 4, 3));
    target.step(p2, random_matrix<double>(3, 4, 4));
    const auto before = xoptim::to_bytes(target);
    auto bad = good;
    bad[bad.size() / 2] ^= 0x40;
    CHECK_THROWS_AS(xoptim::from_bytes(std::span<const unsigned char>(bad), target), xoptim::checkpoint_error);
    auto as_float = xoptim::shampoo<float>();
    CHECK_THROWS_WITH_AS(xoptim::from_bytes(std::span<const unsigned char>(good), as_float),
                         doctest::Contains("element type"), xoptim::checkpoint_error);
    CHECK(xoptim::to_bytes(target) == before);
    CHECK(target.step_count() == 2);

    // Format 3 records what the state was made on; another tag is refused by name.
    const auto tagged = xoptim::to_bytes(opt, {.tag = "3x4 layer"});
    CHECK(xoptim::checkpoint_identity_of(tagged).tag == "3x4 layer");
    CHECK_THROWS_WITH_AS(xoptim::from_bytes(std::span<const unsigned char>(tagged), target, {.tag = "4x4 layer"}),
                         "xoptim checkpoint: made on \"3x4 layer\", expected \"4x4 layer\"", xoptim::checkpoint_error);
    CHECK(xoptim::to_bytes(target) == before);
    xoptim::from_bytes(std::span<const unsigned char>(tagged), target, {.tag = "3x4 layer"});
    CHECK(xoptim::to_bytes(target) == good);
}

TEST_CASE("shampoo: bad options and non-matrix parameters are errors that name them")
{
    auto rejects = [](auto change, const char* name) {
        xoptim::shampoo_options o;
        change(o);
        CHECK_THROWS_WITH_AS(xoptim::shampoo<double>(o), doctest::Contains(name), std::invalid_argument);
    };
    rejects([](auto& o) { o.lr = -1.0; }, "lr");
    rejects([](auto& o) { o.beta1 = 1.0; }, "beta1");
    rejects([](auto& o) { o.beta2 = 0.0; }, "beta2");
    rejects([](auto& o) { o.epsilon = 0.0; }, "epsilon");
    rejects([](auto& o) { o.momentum = 1.0; }, "momentum");
    rejects([](auto& o) { o.dampening = -0.1; }, "dampening");
    rejects([](auto& o) { o.weight_decay = -1.0; }, "weight_decay");
    rejects([](auto& o) { o.precondition_frequency = 0; }, "precondition_frequency");
    rejects([](auto& o) { o.start_preconditioning_step = -2; }, "start_preconditioning_step");
    rejects(
        [](auto& o) {
            o.precondition_frequency = 10;
            o.start_preconditioning_step = 5;
        },
        "start_preconditioning_step");
    rejects([](auto& o) { o.grafting_beta2 = 1.5; }, "grafting_beta2");
    rejects([](auto& o) { o.grafting_epsilon = -1.0; }, "grafting_epsilon");

    auto opt = xoptim::shampoo<double>();
    xoptim::shampoo_options bad;
    bad.epsilon = -1.0;
    CHECK_THROWS_AS(opt.set_options(bad), std::invalid_argument);
    CHECK(opt.options().epsilon == 1e-12);
    xt::xtensor<double, 1> v = {1.0, 2.0};
    xt::xtensor<double, 1> gv = {0.1, 0.2};
    CHECK_THROWS_WITH_AS(opt.step(v, gv), doctest::Contains("2-D"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(opt.add_params({v}), doctest::Contains("adamw"), std::invalid_argument);
    CHECK(opt.registered_count() == 0);
    xt::xtensor<double, 2> p = {{1.0, 2.0}, {3.0, 4.0}};
    xt::xtensor<double, 2> g = {{1.0, 2.0, 3.0}};
    const auto before = p;
    CHECK_THROWS_AS(opt.step(p, g), std::invalid_argument);
    CHECK(p == before);
    CHECK(opt.step_count() == 0);
}

TEST_CASE("shampoo: registered tensors step together; an absent gradient leaves its tensor alone")
{
    xt::xtensor<double, 2> a = random_matrix<double>(3, 2, 5), b = random_matrix<double>(2, 4, 6);
    xt::xtensor<double, 2> a1 = a, b1 = b;
    const auto ga = random_matrix<double>(3, 2, 7);
    const auto gb = random_matrix<double>(2, 4, 8);
    auto both = xoptim::shampoo<double>();
    both.add_params({a, b});
    both.step({xoptim::grad_ref<double>(ga), xoptim::grad_ref<double>(gb)});
    auto single = xoptim::shampoo<double>();
    single.step(a1, ga);
    CHECK(a == a1);
    CHECK(b != b1);
    const auto b_after = b;
    both.step({xoptim::grad_ref<double>(ga), xoptim::grad_ref<double>()});
    CHECK(b == b_after);
    CHECK(both.step_count() == 2);
}

TEST_CASE("shampoo_with_adamw: matrices to Shampoo, the rest to AdamW, each as it would move alone")
{
    xoptim::shampoo_options so;
    so.precondition_frequency = 2;
    so.start_preconditioning_step = 2;
    so.epsilon = 1e-8;
    const xoptim::adamw_options ao{.lr = 0.01};
    xt::xtensor<double, 2> w = random_matrix<double>(4, 3, 21);
    xt::xtensor<double, 1> b = {0.5, -0.25, 1.0};
    xt::xtensor<double, 2> w_alone = w;
    xt::xtensor<double, 1> b_alone = b;
    auto opt = xoptim::shampoo_with_adamw<double>(so, ao);
    CHECK(opt.add_params({w, b}) == 1);
    CHECK(opt.route_of(0) == xoptim::shampoo_adamw<double>::route::matrix);
    CHECK(opt.route_of(1) == xoptim::shampoo_adamw<double>::route::adamw);
    auto shampoo_alone = xoptim::shampoo<double>(so);
    auto adamw_alone = xoptim::adamw<double>(ao);
    auto grads = [](const xt::xtensor<double, 2>& x, const xt::xtensor<double, 1>& y, int s) {
        xt::xtensor<double, 2> gx = x * 0.5 - 0.1 * s;
        xt::xtensor<double, 1> gy = y * 2.0 + 0.05 * s;
        return std::pair{gx, gy};
    };
    std::vector<unsigned char> saved;
    xt::xtensor<double, 2> w_saved;
    xt::xtensor<double, 1> b_saved;
    for (int s = 0; s < 6; ++s)
    {
        if (s == 3)
        {
            saved = xoptim::to_bytes(opt);
            w_saved = w;
            b_saved = b;
        }
        const auto [gw, gb] = grads(w, b, s);
        CHECK(opt.step({xoptim::grad_ref<double>(gw), xoptim::grad_ref<double>(gb)}));
        const auto [gw1, gb1] = grads(w_alone, b_alone, s);
        shampoo_alone.step(w_alone, gw1);
        adamw_alone.step(b_alone, gb1);
    }
    CHECK(w == w_alone);
    CHECK(b == b_alone);

    // Resumed from step 3 (between the recomputations at 2 and 4), bit for bit.
    auto resumed = xoptim::shampoo_with_adamw<double>();
    xt::xtensor<double, 2> w2 = w_saved;
    xt::xtensor<double, 1> b2 = b_saved;
    resumed.add_params({w2, b2});
    xoptim::from_bytes(std::span<const unsigned char>(saved), resumed);
    CHECK(resumed.shampoo().step_count() == 3);
    CHECK(resumed.shampoo().options().precondition_frequency == 2);
    for (int s = 3; s < 6; ++s)
    {
        const auto [gw, gb] = grads(w2, b2, s);
        resumed.step({xoptim::grad_ref<double>(gw), xoptim::grad_ref<double>(gb)});
    }
    CHECK(w2 == w);
    CHECK(b2 == b);
    // A Shampoo-only file is of another kind: an error that changes nothing.
    const auto only = xoptim::to_bytes(opt.shampoo());
    CHECK_THROWS_WITH_AS(xoptim::from_bytes(std::span<const unsigned char>(only), resumed),
                         doctest::Contains("optimizer kind"), xoptim::checkpoint_error);
    CHECK(resumed.shampoo().step_count() == 6);
}
