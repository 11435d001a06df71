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

    // Rules that each miss one step of a chain link (the steps the errors name).
    struct no_max_slots
    {
        std::size_t slots() const { return 0; }
        template <class V>
        int coefficients(const xoptim::step_info&) const
        {
            return 0;
        }
        template <xoptim::element T>
        T apply(const int&, const T&, const T& u, const xoptim::slot_view<xoptim::scalar_t<T>>&) const
        {
            return u;
        }
    };

    struct no_slot_count
    {
        static constexpr std::size_t max_slots = 0;
        template <class V>
        int coefficients(const xoptim::step_info&) const
        {
            return 0;
        }
        template <xoptim::element T>
        T apply(const int&, const T&, const T& u, const xoptim::slot_view<xoptim::scalar_t<T>>&) const
        {
            return u;
        }
    };

    struct apply_without_state  // apply(u) instead of apply(c, w, u, state)
    {
        static constexpr std::size_t max_slots = 0;
        std::size_t slots() const { return 0; }
        template <class V>
        int coefficients(const xoptim::step_info&) const
        {
            return 0;
        }
        template <xoptim::element T>
        T apply(const T& u) const
        {
            return u;
        }
    };

    struct scalars_only  // an update rule for float and double, not for batches
    {
        static constexpr std::size_t max_slots = 0;
        std::size_t slots() const { return 0; }
        template <class V>
        int coefficients(const xoptim::step_info&) const
        {
            return 0;
        }
        template <std::floating_point T>
        T apply(const int&, const T&, const T& u, const xoptim::slot_view<T>&) const
        {
            return u;
        }
    };

    struct reducer_without_finish  // declares reductions and accumulates them, never finishes
    {
        static constexpr std::size_t max_slots = 0;
        static constexpr std::size_t reductions = 1;
        std::size_t slots() const { return 0; }
        template <class V>
        int coefficients(const xoptim::step_info&) const
        {
            return 0;
        }
        template <xoptim::element T>
        void accumulate(const int&, const T&, const T& u, T* acc) const
        {
            acc[0] += u * u;
        }
        template <xoptim::element T>
        T apply(const int&, const T&, const T& u, const xoptim::slot_view<xoptim::scalar_t<T>>&) const
        {
            return u;
        }
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

// the steps of update_rule, each failing for the rule that misses it
static_assert(xoptim::has_max_slots<xoptim::scale_by_adam> && xoptim::has_max_slots<no_slot_count>);
static_assert(!xoptim::has_max_slots<no_max_slots> && !xoptim::has_max_slots<int>);
static_assert(xoptim::has_slot_count<xoptim::scale_by_adam> && xoptim::has_slot_count<no_max_slots>);
static_assert(!xoptim::has_slot_count<no_slot_count>);
static_assert(xoptim::has_coefficients<xoptim::scale_by_adam, float> && xoptim::has_coefficients<no_apply, double>);
static_assert(!xoptim::has_coefficients<not_semiregular, double>);
static_assert(xoptim::applies_to<xoptim::scale_by_adam, batchf> && xoptim::applies_to<scale_by_two, double>);
static_assert(xoptim::applies_to<scalars_only, float> && !xoptim::applies_to<scalars_only, batchf>);
static_assert(!xoptim::applies_to<apply_without_state, float> && !xoptim::applies_to<no_apply, double>);
static_assert(!xoptim::update_rule<no_max_slots, float> && !xoptim::update_rule<no_slot_count, float>);
static_assert(!xoptim::update_rule<apply_without_state, double>);

static_assert(xoptim::reducing_rule<xoptim::scale_by_trust_ratio, float>);
static_assert(xoptim::reducing_rule<xoptim::scale_by_lars_ratio, batchd>);
static_assert(xoptim::reducing_rule<xoptim::clip_by_norm, batchf>);
static_assert(!xoptim::reducing_rule<xoptim::scale_by_adam, float>);
static_assert(!xoptim::reducing_rule<scale_by_two, float>);
static_assert(!xoptim::reducing_rule<reducer_without_finish, float>);

// the steps of reducing_rule; what a link that declares reductions must do
static_assert(xoptim::has_reductions<xoptim::clip_by_norm> && xoptim::has_reductions<xoptim::sgd_rule<>>);
static_assert(!xoptim::has_reductions<xoptim::scale_by_adam>);
static_assert(
    xoptim::accumulates<xoptim::scale_by_trust_ratio, batchd> && xoptim::accumulates<reducer_without_finish, float>);
static_assert(!xoptim::accumulates<xoptim::scale_by_adam, float>);
static_assert(xoptim::finishes<xoptim::scale_by_lars_ratio, float> && !xoptim::finishes<reducer_without_finish, float>);
static_assert(xoptim::reduces_as_declared<xoptim::clip_by_norm, batchf>);
static_assert(xoptim::reduces_as_declared<xoptim::scale_by_adam, float>);  // declares none, asked none
static_assert(xoptim::reduces_as_declared<xoptim::sgd_rule<>, float>);     // a one-pass chain declares 0
static_assert(!xoptim::reduces_as_declared<reducer_without_finish, double>);

// the factored rule (Adafactor): slots with extents, accumulating into its state, finishing with
// the tensor's geometry
static_assert(xoptim::reducing_rule<xoptim::scale_by_factored_rms, batchf>);
static_assert(xoptim::reducing_rule<xoptim::scale_by_relative_step, double>);
static_assert(xoptim::factored_rule<xoptim::scale_by_factored_rms>);
static_assert(!xoptim::factored_rule<xoptim::scale_by_adam> && !xoptim::factored_rule<xoptim::adafactor_rule>);
static_assert(xoptim::accumulates_into_state<xoptim::scale_by_factored_rms, batchd>);
static_assert(!xoptim::accumulates_into_state<xoptim::scale_by_trust_ratio, float>);
static_assert(xoptim::accumulates_sums<xoptim::scale_by_trust_ratio, float>);
static_assert(!xoptim::accumulates_sums<xoptim::scale_by_factored_rms, float>);
static_assert(xoptim::finishes_with_geometry<xoptim::scale_by_relative_step, float>);
static_assert(!xoptim::finishes_with_geometry<xoptim::scale_by_lars_ratio, float>);
static_assert(xoptim::accumulates<xoptim::scale_by_factored_rms,
                                  float> && xoptim::finishes<xoptim::scale_by_relative_step, float>);
static_assert(xoptim::chain_link<xoptim::scale_by_factored_rms> && xoptim::chain_link<xoptim::scale_by_relative_step>);
static_assert(xoptim::adafactor_rule::factored && xoptim::adafactor_rule::passes == 3);
static_assert(!xoptim::adam_rule<>::factored && !xoptim::detail::factored_chain<xoptim::lamb_rule<>>);

// chain_link: a link for float, double and their batches; chain_links: at least one, all links
static_assert(xoptim::link_for<xoptim::scale_by_adam, batchd> && xoptim::link_for<scalars_only, double>);
static_assert(!xoptim::link_for<scalars_only, batchf> && !xoptim::link_for<reducer_without_finish, float>);
static_assert(xoptim::chain_link<xoptim::scale_by_adam> && xoptim::chain_link<xoptim::scale_by_trust_ratio>);
static_assert(xoptim::chain_link<scale_by_two> && xoptim::chain_link<xoptim::scale_by_lr<xoptim::cosine_decay>>);
static_assert(xoptim::chain_link<xoptim::sgd_rule<>>);    // a one-pass chain nests
static_assert(!xoptim::chain_link<xoptim::lamb_rule<>>);  // a two-pass chain is no elementwise rule
static_assert(!xoptim::chain_link<no_max_slots> && !xoptim::chain_link<no_slot_count>);
static_assert(!xoptim::chain_link<apply_without_state> && !xoptim::chain_link<no_apply>);
static_assert(!xoptim::chain_link<scalars_only> && !xoptim::chain_link<reducer_without_finish>);
static_assert(!xoptim::chain_link<not_semiregular> && !xoptim::chain_link<int>);
static_assert(xoptim::chain_links<scale_by_two, xoptim::scale_by_adam, xoptim::scale_by_lr<>>);
static_assert(!xoptim::chain_links<>);
static_assert(!xoptim::chain_links<xoptim::scale_by_adam, no_slot_count, xoptim::scale_by_lr<>>);
static_assert(!xoptim::chain_links<xoptim::scale_by_adam, xoptim::scale_by_lr<>, reducer_without_finish>);
static_assert(
    std::is_same_v<xoptim::detail::first_failing_link<xoptim::trace, no_slot_count, no_apply>::type, no_slot_count>);
static_assert(std::is_same_v<xoptim::detail::first_failing_link<xoptim::trace, scale_by_two>::type, xoptim::trace>);

// optimizer_rule: chains, for float and double; a bare rule is not one (wrap it in a chain)
static_assert(
    xoptim::optimizer_rule<xoptim::adam_rule<>, float> && xoptim::optimizer_rule<xoptim::lamb_rule<>, double>);
static_assert(xoptim::optimizer_rule<xoptim::chain<scale_by_two>, double>);
static_assert(!xoptim::optimizer_rule<xoptim::scale_by_adam, double> && !xoptim::optimizer_rule<scale_by_two, float>);
static_assert(
    !xoptim::optimizer_rule<xoptim::adam_rule<>, int> && !xoptim::optimizer_rule<xoptim::adam_rule<>, long double>);
static_assert(!xoptim::optimizer_rule<int, double>);
// its steps
static_assert(xoptim::has_links<xoptim::lars_rule<>> && !xoptim::has_links<xoptim::scale_by_adam>);
static_assert(xoptim::has_passes<xoptim::lamb_rule<>> && !xoptim::has_passes<xoptim::scale_by_trust_ratio>);
static_assert(xoptim::runs_on<xoptim::lamb_rule<>, batchf> && xoptim::runs_on<xoptim::adam_rule<>, double>);
static_assert(!xoptim::runs_on<xoptim::scale_by_adam, float> && !xoptim::runs_on<xoptim::adam_rule<>, int>);
static_assert(xoptim::has_slot_layout<xoptim::rmsprop_rule<>> && !xoptim::has_slot_layout<xoptim::scale_by_rms>);
static_assert(xoptim::has_learning_rate<xoptim::sgd_rule<>> && !xoptim::has_learning_rate<xoptim::trace>);
static_assert(xoptim::has_named_hyperparameters<xoptim::adamw_rule<>, float>);
static_assert(!xoptim::has_named_hyperparameters<xoptim::scale_by_adam, double>);

// replayable_rule: what may run before a reduction
static_assert(xoptim::replayable_rule<xoptim::scale_by_adam, batchf>);
static_assert(xoptim::replayable_rule<scale_by_two, float>);  // stateless
static_assert(!xoptim::replayable_rule<xoptim::scale_by_lion, float>);

// keeps_group_state, switches_mode: running numbers per group, and an evaluation mode
namespace
{
    // Group state whose advance does not return the state type.
    struct bad_advance : xoptim::schedule_free_sgd
    {
        void advanced(const group_state&, const xoptim::step_info&) const {}
    };
    // Group state without a mode.
    struct counted
    {
        struct group_state
        {
            double n = 0;
            bool operator==(const group_state&) const = default;
            template <class Self, class F>
            static void each(Self& s, F&& f)
            {
                f("n", s.n);
            }
        };
        group_state advanced(const group_state& g, const xoptim::step_info&) const { return {g.n + 1}; }
        template <class V>
        int coefficients(const xoptim::step_info&, const group_state&) const
        {
            return 0;
        }
    };
}
static_assert(xoptim::keeps_group_state<xoptim::schedule_free_sgd> && xoptim::keeps_group_state<counted>);
static_assert(!xoptim::keeps_group_state<xoptim::scale_by_adam> && !xoptim::keeps_group_state<bad_advance>);
static_assert(xoptim::switches_mode<xoptim::schedule_free_adamw> && !xoptim::switches_mode<counted>);
static_assert(xoptim::adamw_schedule_free_rule::has_group_state
              && xoptim::adamw_schedule_free_rule::group_state_link == 2);
static_assert(xoptim::sgd_schedule_free_rule::has_mode_switch && !xoptim::adam_rule<>::has_group_state);
static_assert(std::is_same_v<xoptim::adam_rule<>::group_state_type, xoptim::detail::no_group_state>);
static_assert(xoptim::optimizer_rule<xoptim::adamw_schedule_free_rule, float>);

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
static_assert(xoptim::scalar_element<float> && xoptim::scalar_element<double>);
static_assert(!xoptim::scalar_element<batchf> && !xoptim::scalar_element<long double> && !xoptim::scalar_element<int>);

// chains count their passes
static_assert(xoptim::adam_rule<>::passes == 1);
static_assert(xoptim::lamb_rule<>::passes == 2);
static_assert(xoptim::chain<xoptim::clip_by_norm, xoptim::scale_by_adam, xoptim::scale_by_trust_ratio,
                            xoptim::scale_by_lr<>>::passes
              == 3);
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
