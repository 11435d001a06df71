// The concepts, each with a model that passes and a non-model that fails, and a rule written
// outside the library that composes with the library's rules.

#include <doctest/doctest.h>

#include <xoptim/xoptim.hpp>
#include <xtensor/xtensor.hpp>

namespace
{
    // A user's rule: scale each element by the sign agreement of u and w (illustrative).
    struct scale_by_two
    {
        static constexpr std::size_t max_slots = 0;
        std::size_t slots() const { return 0; }
        template <class V>
        struct coefficients_type
        {
            V two;
        };
        template <class V>
        coefficients_type<V> coefficients(const xoptim::step_info&) const
        {
            return {V(2)};
        }
        template <xoptim::element T>
        T apply(const coefficients_type<xoptim::scalar_t<T>>& c, const T&, const T& u,
                const xoptim::slot_view<xoptim::scalar_t<T>>&) const
        {
            return c.two * u;
        }
    };

    struct no_apply  // has everything but the elementwise apply
    {
        static constexpr std::size_t max_slots = 0;
        std::size_t slots() const { return 0; }
        template <class V>
        int coefficients(const xoptim::step_info&) const
        {
            return 0;
        }
    };

    struct not_semiregular
    {
        not_semiregular(int) {}
        static constexpr std::size_t max_slots = 0;
        std::size_t slots() const { return 0; }
    };

    struct my_schedule
    {
        double operator()(std::uint64_t step) const { return 1.0 / static_cast<double>(step + 1); }
    };

    struct not_a_policy
    {
        static constexpr bool lazy = true;
    };
}

using batchf = xsimd::batch<float>;
using batchd = xsimd::batch<double>;

// update_rule: library rules for scalars and batches; a user's rule; non-models.
static_assert(xoptim::update_rule<xoptim::scale_by_adam, float>);
static_assert(xoptim::update_rule<xoptim::scale_by_adam, batchf>);
static_assert(xoptim::update_rule<xoptim::trace, batchd>);
static_assert(xoptim::update_rule<xoptim::scale_by_lion, double>);
static_assert(xoptim::update_rule<scale_by_two, batchf>);
static_assert(xoptim::update_rule<xoptim::sgd_rule<>, double>);  // a chain is a rule
static_assert(!xoptim::update_rule<no_apply, float>);
static_assert(!xoptim::update_rule<not_semiregular, float>);
static_assert(!xoptim::update_rule<int, float>);
static_assert(!xoptim::update_rule<xoptim::scale_by_adam, int>);  // int is not an element type

// reducing_rule
static_assert(xoptim::reducing_rule<xoptim::scale_by_trust_ratio, float>);
static_assert(xoptim::reducing_rule<xoptim::scale_by_lars_ratio, batchd>);
static_assert(xoptim::reducing_rule<xoptim::clip_by_norm, batchf>);
static_assert(!xoptim::reducing_rule<xoptim::scale_by_adam, float>);
static_assert(!xoptim::reducing_rule<scale_by_two, float>);

// replayable_rule: what may run before a reduction
static_assert(xoptim::replayable_rule<xoptim::scale_by_adam, batchf>);
static_assert(xoptim::replayable_rule<scale_by_two, float>);  // stateless
static_assert(!xoptim::replayable_rule<xoptim::scale_by_lion, float>);

// state_policy
static_assert(xoptim::state_policy<xoptim::lazy_state>);
static_assert(xoptim::state_policy<xoptim::eager_state>);
static_assert(!xoptim::state_policy<not_a_policy>);
static_assert(!xoptim::state_policy<int>);

// schedule: a plain number is a constant schedule
static_assert(xoptim::schedule<double>);
static_assert(xoptim::schedule<xoptim::cosine_decay>);
static_assert(xoptim::schedule<my_schedule>);
static_assert(xoptim::schedule<xoptim::linear_warmup<xoptim::cosine_decay>>);
static_assert(!xoptim::schedule<xoptim::scale_by_adam>);
static_assert(!xoptim::schedule<const char*>);

// element
static_assert(xoptim::element<float> && xoptim::element<batchd>);
static_assert(!xoptim::element<int> && !xoptim::element<std::complex<double>>);

// chains count their passes
static_assert(xoptim::adam_rule<>::passes == 1);
static_assert(xoptim::lamb_rule<>::passes == 2);
static_assert(xoptim::chain<xoptim::clip_by_norm, xoptim::scale_by_adam, xoptim::scale_by_trust_ratio,
                            xoptim::scale_by_lr<>>::passes == 3);
static_assert(xoptim::lamb_rule<>::max_slots == 3 && xoptim::lamb_rule<>::reductions == 2);

// LAMB's second pass recomputes Adam's direction from m and v: it does not read the gradient
// (40 B per fp32 parameter); LARS's second pass needs it again.
static_assert(xoptim::detail::pass_reads_gradient<xoptim::lamb_rule<>, 0>());
static_assert(!xoptim::detail::pass_reads_gradient<xoptim::lamb_rule<>, 1>());
static_assert(xoptim::detail::pass_reads_gradient<xoptim::lars_rule<>, 1>());

TEST_CASE("a rule written outside the library composes with the library's rules")
{
    using namespace xoptim;
    optimizer opt(chain(scale_by_two{}, scale_by_adam{}, scale_by_lr{my_schedule{}}));
    CHECK(opt.learning_rate() == 1.0);
    xt::xtensor<double, 1> w = {1.0};
    opt.step(w, xt::xtensor<double, 1>{0.5});
    CHECK(w(0) == doctest::Approx(1.0 - 1.0 / (1.0 + 1e-8)).epsilon(1e-14));  // Adam's first step is sign-like
    CHECK(opt.learning_rate() == 0.5);
}

TEST_CASE("three passes: clip by norm before LAMB's trust ratio")
{
    using namespace xoptim;
    optimizer opt(chain(clip_by_norm{1.0}, scale_by_adam{}, scale_by_trust_ratio{}, scale_by_lr{0.1}));
    xt::xtensor<double, 1> w = {3.0, 4.0};
    opt.step(w, xt::xtensor<double, 1>{30.0, 40.0});
    // clipped g = (0.6, 0.8) (to 1e-6), Adam's first step g / (|g| + eps), ratio 5 / ||u||
    const double u0 = 0.6 / (0.6 + 1e-8), u1 = 0.8 / (0.8 + 1e-8);
    const double r = 5.0 / std::hypot(u0, u1);
    CHECK(w(0) == doctest::Approx(3.0 - 0.1 * r * u0).epsilon(1e-6));
    CHECK(w(1) == doctest::Approx(4.0 - 0.1 * r * u1).epsilon(1e-6));
}

TEST_CASE("a one-pass chain nests in a chain and steps as its links would")
{
    using namespace xoptim;
    static_assert(!detail::is_reducing<sgd_rule<>>);  // it declares reductions, none
    optimizer nested(chain(chain(trace{0.9}, scale_by_lr{0.1}), add_decayed_weights{0.01}));
    optimizer flat(chain(trace{0.9}, scale_by_lr{0.1}, add_decayed_weights{0.01}));
    xt::xtensor<double, 1> w = {1.0, 2.0, -3.0};
    xt::xtensor<double, 1> v = w;
    for (int k = 0; k < 3; ++k)
    {
        nested.step(w, 2.0 * w);
        flat.step(v, 2.0 * v);
    }
    CHECK(w == v);
}
