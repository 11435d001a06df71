// A rule with state that does not say how many slots it uses (`slots()`). With
// XOPTIM_TEST_FIXED defined it does, and compiles.
#include <xoptim/core/optimizer.hpp>
#include <xoptim/rules/scale_by_lr.hpp>
#include <xtensor/xtensor.hpp>

struct running_sum  // b <- b + u; out = b
{
    static constexpr std::size_t max_slots = 1;
#ifdef XOPTIM_TEST_FIXED
    std::size_t slots() const { return 1; }
#endif
    template <class V>
    struct coefficients_type
    {};
    template <class V>
    coefficients_type<V> coefficients(const xoptim::step_info&) const
    {
        return {};
    }
    template <xoptim::element T>
    T apply(const coefficients_type<xoptim::scalar_t<T>>&, const T&, const T& u,
            const xoptim::slot_view<xoptim::scalar_t<T>>& state) const
    {
        const T b = state.template load<T>(0) + u;
        state.store(0, b);
        return b;
    }
};

int main()
{
    // expected error on the next line: running_sum, r.slots()
    xoptim::optimizer opt(xoptim::chain(running_sum{}, xoptim::scale_by_lr{0.1}));
    xt::xtensor<double, 1> w = {1.0, 2.0};
    opt.step(w, 2.0 * w);
}
