// A rule without `max_slots`. With XOPTIM_TEST_FIXED defined it has one, and compiles.
#include <xoptim/core/optimizer.hpp>
#include <xoptim/rules/scale_by_lr.hpp>
#include <xtensor/xtensor.hpp>

struct halve  // out = u / 2
{
#ifdef XOPTIM_TEST_FIXED
    static constexpr std::size_t max_slots = 0;
#endif
    std::size_t slots() const { return 0; }
    template <class V>
    struct coefficients_type
    {
        V half;
    };
    template <class V>
    coefficients_type<V> coefficients(const xoptim::step_info&) const
    {
        return {V(0.5)};
    }
    template <xoptim::element T>
    T apply(const coefficients_type<xoptim::scalar_t<T>>& c, const T&, const T& u,
            const xoptim::slot_view<xoptim::scalar_t<T>>&) const
    {
        return c.half * u;
    }
};

int main()
{
    // expected error on the next line: halve, R::max_slots
    xoptim::optimizer opt(xoptim::chain(halve{}, xoptim::scale_by_lr{0.1}));
    xt::xtensor<double, 1> w = {1.0, 2.0};
    opt.step(w, 2.0 * w);
}
