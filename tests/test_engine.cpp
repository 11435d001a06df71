// The engine: every operand kind gives the same numbers as the scalar path of the rule; a
// step allocates nothing once the state exists; bad shapes throw and change nothing.

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <random>
#include <vector>

#include <xoptim/xoptim.hpp>
#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xfixed.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

// ---- allocation counting (this binary's global operator new) --------------------------
// The replacements pair malloc/aligned_alloc with free; GCC's -O3 inliner cannot see that
// through the replaced operators and warns of a mismatch that is not there.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace
{
    std::atomic<bool> counting{false};
    std::atomic<long> allocations{0};
}

void* operator new(std::size_t n)
{
    if (counting.load(std::memory_order_relaxed)) { allocations.fetch_add(1, std::memory_order_relaxed); }
    if (void* p = std::malloc(n ? n : 1)) { return p; }
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void* operator new(std::size_t n, std::align_val_t a)
{
    if (counting.load(std::memory_order_relaxed)) { allocations.fetch_add(1, std::memory_order_relaxed); }
    const std::size_t al = static_cast<std::size_t>(a);
    if (void* p = std::aligned_alloc(al, (n + al - 1) / al * al)) { return p; }
    throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return ::operator new(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace
{
    // Deterministic values in [-1, 1) from a seeded generator (our own transform).
    template <class V>
    std::vector<V> random_values(std::size_t n, std::uint64_t seed)
    {
        std::mt19937_64 gen(seed);
        std::vector<V> out(n);
        for (auto& x : out) { x = static_cast<V>(static_cast<double>(gen() >> 11) * 0x1.0p-52 - 1.0); }
        return out;
    }

    // The scalar path of a rule: the chain run element by element with T = V, the same code
    // the engine's batch loop runs with T = xsimd::batch<V>.
    template <class Chain, class V>
    void scalar_reference(const Chain& ch, std::vector<V>& w, const std::vector<V>& g,
                          std::vector<std::vector<V>>& slots, std::uint64_t step)
    {
        auto c = ch.template coefficients<V>(xoptim::step_info{step});
        std::vector<V*> ptrs(Chain::max_slots + 1, nullptr);
        for (std::size_t k = 0; k < Chain::max_slots; ++k) { ptrs[k] = slots[k].empty() ? nullptr : slots[k].data(); }
        [&]<std::size_t... P>(std::index_sequence<P...>)
        {
            (
                [&] {
                    std::array<double, Chain::reductions + 1> sums{};
                    for (std::size_t i = 0; i < w.size(); ++i)
                    {
                        std::array<V, Chain::reductions + 1> acc{};
                        const V u = ch.template run<P>(c, w[i], g[i], xoptim::slot_view<V>(ptrs.data(), i), acc.data());
                        if constexpr (P + 1 == Chain::passes) { w[i] = w[i] - u; }
                        for (std::size_t k = 0; k < Chain::reductions; ++k) { sums[k] += acc[k]; }
                    }
                    if constexpr (P + 1 < Chain::passes) { ch.template finish<P>(c, sums.data()); }
                }(),
                ...);
        }
        (std::make_index_sequence<Chain::passes>{});
    }

    // The parameters after `steps` steps of the scalar path from w0 with gradient g0.
    template <class Opt, class V>
    std::vector<V> scalar_trajectory(const Opt& proto, const std::vector<V>& w0, const std::vector<V>& g0,
                                     std::uint64_t steps)
    {
        using Chain = typename Opt::rule_type;
        std::vector<V> w = w0;
        std::vector<std::vector<V>> slots(Chain::max_slots);
        for (std::size_t k = 0; k < Chain::max_slots; ++k)
        {
            if (proto.rule().slot_active(k))
            {
                slots[k].assign(w.size(), static_cast<V>(proto.rule().initial_value(k)));
            }
        }
        for (std::uint64_t t = 1; t <= steps; ++t) { scalar_reference(proto.rule(), w, g0, slots, t); }
        return w;
    }

    // n = 1037: not a multiple of any batch width, several staging blocks, short enough that
    // the engine runs its batches unaligned; n = 4133: long enough that it peels to alignment.
    template <class Opt>
    void check_paths_agree(Opt make(), double reduction_tolerance, std::size_t n = 1037)
    {
        using V = typename Opt::value_type;
        using Chain = typename Opt::rule_type;
        const auto w0 = random_values<V>(n, 1);
        const auto g0 = random_values<V>(n, 2);

        const std::vector<V> wr = scalar_trajectory(make(), w0, g0, 3);

        auto compare = [&](const auto& w, const char* what) {
            INFO(std::string(what));
            std::size_t mismatches = 0;
            double worst = 0.0;
            for (std::size_t i = 0; i < n; ++i)
            {
                const double d = std::fabs(static_cast<double>(w[i]) - static_cast<double>(wr[i]));
                worst = std::max(worst, d / std::max(1.0, std::fabs(static_cast<double>(wr[i]))));
                mismatches += (w[i] != wr[i]) ? 1 : 0;
            }
            if (Chain::passes == 1) { CHECK(mismatches == 0); }  // elementwise: bit for bit
            else { CHECK(worst <= reduction_tolerance); }        // sums in another order (parameters are O(1))
        };

        SUBCASE("contiguous xtensor, gradient in memory (SIMD path)")
        {
            Opt opt = make();
            xt::xtensor<V, 1> w = xt::adapt(w0, {n});
            const xt::xtensor<V, 1> g = xt::adapt(g0, {n});
            for (int t = 0; t < 3; ++t) { opt.step(w, g); }
            compare(w, "xtensor");
        }
        SUBCASE("unaligned: parameters 16 bytes past an aligned boundary")
        {
            Opt opt = make();
            std::vector<V> buffer(n + 64 / sizeof(V));
            V* base = buffer.data();
            while (reinterpret_cast<std::uintptr_t>(base) % 64 != 0) { ++base; }
            V* p = base + 16 / sizeof(V);
            std::copy(w0.begin(), w0.end(), p);
            auto w = xt::adapt(p, n, xt::no_ownership(), std::array<std::size_t, 1>{n});
            const auto g = xt::adapt(g0, {n});
            for (int t = 0; t < 3; ++t) { opt.step(w, g); }
            compare(std::vector<V>(p, p + n), "raw pointer adaptor, unaligned");
        }
        SUBCASE("a strided view of a larger tensor")
        {
            Opt opt = make();
            xt::xtensor<V, 2> big = xt::zeros<V>({n, std::size_t(3)});
            for (std::size_t i = 0; i < n; ++i) { big(i, 1) = w0[i]; }
            auto w = xt::view(big, xt::all(), 1);
            const auto g = xt::adapt(g0, {n});
            for (int t = 0; t < 3; ++t) { opt.step(w, g); }
            std::vector<V> got(n);
            for (std::size_t i = 0; i < n; ++i) { got[i] = big(i, 1); }
            compare(got, "strided view");
            for (std::size_t i = 0; i < n; ++i) { REQUIRE(big(i, 0) == 0); }  // neighbours untouched
        }
        SUBCASE("a lazy gradient expression (no temporary), xarray parameters")
        {
            Opt opt = make();
            xt::xarray<V> w = xt::adapt(w0, {n});
            const xt::xtensor<V, 1> half = xt::adapt(g0, {n});
            for (int t = 0; t < 3; ++t) { opt.step(w, half * V(0.5) + half * V(0.5)); }
            compare(w, "xfunction gradient");
        }
        SUBCASE("adapt over a std::vector, gradient as a broadcasting expression of another type")
        {
            Opt opt = make();
            std::vector<V> storage = w0;
            auto w = xt::adapt(storage, {n});
            const xt::xtensor<double, 2> g2 = xt::adapt(std::vector<double>(g0.begin(), g0.end()), {std::size_t(1), n});
            for (int t = 0; t < 3; ++t) { opt.step(w, xt::view(g2, 0, xt::all())); }
            compare(storage, "adapted std::vector, double view gradient");
        }
    }
}

TEST_CASE("every path gives the scalar path's numbers: elementwise rules bit for bit")
{
    check_paths_agree<decltype(xoptim::adam<float>())>(
        +[] { return xoptim::adam<float>({.lr = 0.01}); }, 0);
    check_paths_agree<decltype(xoptim::adam())>(
        +[] { return xoptim::adam({.lr = 0.01, .weight_decay = 0.1}); }, 0);
    check_paths_agree<decltype(xoptim::sgd())>(
        +[] { return xoptim::nesterov({.lr = 0.01, .momentum = 0.9}); }, 0);
    check_paths_agree<decltype(xoptim::rmsprop<float>())>(
        +[] { return xoptim::rmsprop<float>({.momentum = 0.5, .centered = true}); }, 0);
    check_paths_agree<decltype(xoptim::lion<float>())>(
        +[] { return xoptim::lion<float>({.weight_decay = 0.1}); }, 0);
    check_paths_agree<decltype(xoptim::adagrad())>(
        +[] { return xoptim::adagrad({.initial_accumulator_value = 0.1}); }, 0);
    check_paths_agree<decltype(xoptim::adam<float>())>(
        +[] { return xoptim::adam<float>({.lr = 0.01}); }, 0, 4133);
    check_paths_agree<decltype(xoptim::adam())>(
        +[] { return xoptim::adam({.lr = 0.01}); }, 0, 4133);
}

namespace
{
    // Steps tensors of every length from 1 to 70 elements, starting at every offset from an
    // aligned boundary up to one batch, and compares each with the scalar reference: the
    // full batches, each narrower batch of the tail and the last scalar steps all run.
    template <class Opt>
    void check_every_length(Opt make(), double reduction_tolerance)
    {
        using V = typename Opt::value_type;
        using Chain = typename Opt::rule_type;
        constexpr std::size_t max_n = 70;
        std::vector<V, xsimd::aligned_allocator<V, 64>> buffer(max_n + 64);
        std::size_t checked = 0, mismatched = 0;
        double worst = 0.0;
        for (std::size_t n = 1; n <= max_n; ++n)
        {
            const auto w0 = random_values<V>(n, 10 + n);
            const auto g0 = random_values<V>(n, 20 + n);
            const std::vector<V> wr = scalar_trajectory(make(), w0, g0, 2);

            for (std::size_t offset : {std::size_t(0), std::size_t(1), std::size_t(3), 64 / sizeof(V) - 1})
            {
                std::copy(w0.begin(), w0.end(), buffer.begin() + static_cast<std::ptrdiff_t>(offset));
                auto w = xt::adapt(buffer.data() + offset, n, xt::no_ownership(), std::array<std::size_t, 1>{n});
                const auto g = xt::adapt(g0.data(), n, xt::no_ownership(), std::array<std::size_t, 1>{n});
                Opt opt = make();
                opt.step(w, g);
                opt.step(w, g);
                for (std::size_t i = 0; i < n; ++i)
                {
                    ++checked;
                    mismatched += (w(i) != wr[i]) ? 1 : 0;
                    const double d = std::fabs(static_cast<double>(w(i)) - static_cast<double>(wr[i]));
                    worst = std::max(worst, d / std::max(1.0, std::fabs(static_cast<double>(wr[i]))));
                }
            }
        }
        CHECK(checked == 4 * max_n * (max_n + 1) / 2);
        if (Chain::passes == 1) { CHECK(mismatched == 0); }
        else { CHECK(worst <= reduction_tolerance); }
    }
}

TEST_CASE("tensors of every length from 1 to 70 at four alignments: batches, narrower tail batches, scalar steps")
{
    check_every_length<decltype(xoptim::sgd())>(
        +[] { return xoptim::sgd({.lr = 0.1}); }, 0);
    check_every_length<decltype(xoptim::momentum<float>())>(
        +[] { return xoptim::momentum<float>({.lr = 0.1}); }, 0);
    check_every_length<decltype(xoptim::adam<float>())>(
        +[] { return xoptim::adam<float>({.lr = 0.01}); }, 0);
    check_every_length<decltype(xoptim::adam())>(
        +[] { return xoptim::adam({.lr = 0.01, .weight_decay = 0.1}); }, 0);
    check_every_length<decltype(xoptim::lion<float>())>(
        +[] { return xoptim::lion<float>({.weight_decay = 0.1}); }, 0);
    check_every_length<decltype(xoptim::lamb<float>())>(
        +[] { return xoptim::lamb<float>({.lr = 0.01}); }, 1e-6);
    check_every_length<decltype(xoptim::lamb())>(
        +[] { return xoptim::lamb({.lr = 0.01}); }, 1e-12);
}

TEST_CASE("every path gives the scalar path's numbers: reducing rules to rounding of the sums")
{
    check_paths_agree<decltype(xoptim::lamb<float>())>(
        +[] { return xoptim::lamb<float>({.lr = 0.01}); }, 1e-6);
    check_paths_agree<decltype(xoptim::lamb())>(
        +[] { return xoptim::lamb({.lr = 0.01, .weight_decay = 0.01}); }, 1e-12);
    check_paths_agree<decltype(xoptim::lars())>(
        +[] { return xoptim::lars({.lr = 0.1}); }, 1e-12);
    check_paths_agree<decltype(xoptim::lamb<float>())>(
        +[] { return xoptim::lamb<float>({.lr = 0.01}); }, 1e-6, 4133);
    // Long enough for LARS's read-only reducing pass to run as four interleaved segments.
    check_paths_agree<decltype(xoptim::lars())>(
        +[] { return xoptim::lars({.lr = 0.1}); }, 1e-12, 100003);
    check_paths_agree<decltype(xoptim::lars<float>())>(
        +[] { return xoptim::lars<float>({.lr = 0.1}); }, 1e-5, 100003);
}

TEST_CASE("fixed-size tensors and two-dimensional parameters")
{
    auto opt = xoptim::adam({.lr = 0.1});
    xt::xtensor_fixed<double, xt::xshape<2, 3>> w = {{1, 2, 3}, {4, 5, 6}};
    xt::xtensor<double, 2> ref = w;
    auto ref_opt = xoptim::adam({.lr = 0.1});
    for (int t = 0; t < 4; ++t)
    {
        opt.step(w, 2.0 * w);
        ref_opt.step(ref, 2.0 * ref);
    }
    for (std::size_t i = 0; i < 2; ++i)
    {
        for (std::size_t j = 0; j < 3; ++j) { CHECK(w(i, j) == ref(i, j)); }
    }
    CHECK(w(0, 0) < 1.0);
}

TEST_CASE("no heap allocation in a step once the state exists")
{
    auto adam = xoptim::adam<float>({.lr = 0.01});
    auto lamb = xoptim::lamb<float>({.lr = 0.01});
    xt::xtensor<float, 1> w = xt::ones<float>({4096});
    xt::xtensor<float, 1> g = xt::ones<float>({4096});
    xt::xtensor<float, 2> big = xt::ones<float>({512, 3});
    adam.step(w, g);  // makes the state
    lamb.step(w, g);
    auto big_opt = xoptim::adam<float>();
    auto column = xt::view(big, xt::all(), 1);
    big_opt.step(column, 2.0f * column);

    allocations = 0;
    counting = true;
    for (int t = 0; t < 10; ++t)
    {
        adam.step(w, g);
        lamb.step(w, g);
        adam.step(w, 2.0f * w - g);           // lazy expression gradient
        big_opt.step(column, 2.0f * column);  // strided view
    }
    counting = false;
    CHECK(allocations.load() == 0);

    // and the counter does count: making new state allocates
    counting = true;
    auto fresh = xoptim::adam<float>();
    fresh.step(w, g);
    counting = false;
    CHECK(allocations.load() > 0);
}

TEST_CASE("a gradient of the wrong shape throws, naming both shapes, and changes nothing")
{
    auto opt = xoptim::adam({.lr = 0.1});
    xt::xtensor<double, 1> w = {1.0, 2.0, 3.0};
    opt.step(w, xt::xtensor<double, 1>{1.0, 1.0, 1.0});
    const auto before = w;
    const auto m_before = opt.state().slots[0];
    xt::xtensor<double, 1> bad = {1.0, 1.0};
    CHECK_THROWS_WITH_AS(opt.step(w, bad),
                         "xoptim::optimizer::step: grad of tensor 0 has shape {2} but the parameter has shape {3}",
                         std::invalid_argument);
    CHECK(w == before);
    CHECK(opt.state().slots[0] == m_before);
    CHECK(opt.step_count() == 1);

    xt::xtensor<double, 1> other = {1.0, 2.0};
    CHECK_THROWS_WITH_AS(opt.step(other, bad),
                         "xoptim::optimizer::step: parameter 0 has shape {2} but its state has shape {3}",
                         std::invalid_argument);
    CHECK(opt.step_count() == 1);
}

TEST_CASE("groups: own hyperparameters, a step count each, the trust ratio per tensor")
{
    auto opt = xoptim::lamb({.lr = 0.1});
    const std::size_t g1 = opt.add_group(xoptim::lamb({.lr = 0.01}).rule());
    CHECK(g1 == 1);
    std::vector<xt::xtensor<double, 1>> layers = {{3.0, 4.0}, {30.0, 40.0}};
    std::vector<xt::xtensor<double, 1>> grads = {{1.0, 1.0}, {1.0, 1.0}};
    opt.step(0, layers, grads);
    // Each layer moves by lr * (its own norm / ||u||) * u: ten times more for the larger one.
    const double step0 = 3.0 - layers[0](0), step1 = 30.0 - layers[1](0);
    CHECK(step1 == doctest::Approx(10.0 * step0).epsilon(1e-12));
    CHECK(opt.step_count(0) == 1);
    CHECK(opt.step_count(1) == 0);

    std::vector<xt::xtensor<double, 1>> other = {{3.0, 4.0}};
    std::vector<xt::xtensor<double, 1>> other_g = {{1.0, 1.0}};
    opt.step(1, other, other_g);
    CHECK(3.0 - other[0](0) == doctest::Approx(0.1 * step0).epsilon(1e-12));
    CHECK(opt.step_count(1) == 1);

    CHECK_THROWS_AS(opt.step(0, other, other_g), std::invalid_argument);  // group 0 has two tensors
    CHECK_THROWS_AS(opt.step(5, other, other_g), std::out_of_range);
}

namespace
{
    // A group of 150 tensors (more than one chunk of the group loop): row-major ones of 1 to
    // 37 elements and, every seventh, a column-major 3 x k matrix (staged, not contiguous).
    // Three steps of the group must equal three steps of each tensor by itself, bit for bit.
    template <class Opt>
    void check_group_equals_tensors(Opt make())
    {
        using V = typename Opt::value_type;
        using array = xt::xarray<V, xt::layout_type::dynamic>;
        std::vector<array> params, grads;
        for (std::size_t k = 0; k < 150; ++k)
        {
            const bool column_major = k % 7 == 3;
            const std::vector<std::size_t> shape =
                column_major ? std::vector<std::size_t>{3, k % 5 + 2} : std::vector<std::size_t>{k % 37 + 1};
            const auto layout = column_major ? xt::layout_type::column_major : xt::layout_type::row_major;
            array p(shape, layout), g(shape, layout);
            const auto pv = random_values<V>(p.size(), 100 + k), gv = random_values<V>(p.size(), 300 + k);
            std::copy(pv.begin(), pv.end(), p.storage().begin());
            std::copy(gv.begin(), gv.end(), g.storage().begin());
            params.push_back(std::move(p));
            grads.push_back(std::move(g));
        }
        std::vector<array> alone = params;
        Opt group = make();
        for (int t = 0; t < 3; ++t) { group.step(0, params, grads); }
        std::size_t mismatched = 0, checked = 0;
        for (std::size_t k = 0; k < alone.size(); ++k)
        {
            Opt own = make();
            for (int t = 0; t < 3; ++t) { own.step(alone[k], grads[k]); }
            for (std::size_t i = 0; i < alone[k].size(); ++i)
            {
                ++checked;
                mismatched += alone[k].storage()[i] != params[k].storage()[i] ? 1 : 0;
            }
        }
        CHECK(checked > 1500);
        CHECK(mismatched == 0);
    }
}

TEST_CASE("a group of many tensors, contiguous and staged, steps each exactly as its own optimizer would")
{
    check_group_equals_tensors<decltype(xoptim::momentum<float>())>(
        +[] { return xoptim::momentum<float>({.lr = 0.1}); });
    check_group_equals_tensors<decltype(xoptim::adam<float>())>(+[] { return xoptim::adam<float>({.lr = 0.01}); });
    check_group_equals_tensors<decltype(xoptim::lamb<float>())>(+[] { return xoptim::lamb<float>({.lr = 0.01}); });
    check_group_equals_tensors<decltype(xoptim::lars())>(+[] { return xoptim::lars({.lr = 0.1}); });
}

TEST_CASE("eager state: memory made up front, a step without it throws")
{
    using rule = xoptim::adam_rule<>;
    xoptim::optimizer<rule, double, xoptim::eager_state> opt(xoptim::adam().rule());
    xt::xtensor<double, 1> w = {1.0, 2.0};
    CHECK_THROWS_AS(opt.step(w, w), std::logic_error);
    CHECK(w(0) == 1.0);
    opt.init(w);
    opt.step(w, w);
    CHECK(w(0) < 1.0);
}
