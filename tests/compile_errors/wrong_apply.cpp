// A rule whose apply takes the direction alone, not (coefficients, w, u, state). With
// XOPTIM_TEST_FIXED defined it takes all four, and compiles.
#include <xoptim/core/optimizer.hpp>
#include <xoptim/rules/scale_by_lr.hpp>
#include <xtensor/xtensor.hpp>

struct negate  // out = -u
{
    static constexpr std::size_t max_slots = 0;
    std::size_t slots() const { return 0; }
    template <class V>
    struct coefficients_type
    {};
    template <class V>
    coefficients_type<V> coefficients(const xoptim::step_info&) const
    {
        return {};
    }
#ifdef XOPTIM_TEST_FIXED
    template <xoptim::element T>
    T apply(const coefficients_type<xoptim::scalar_t<T>>&, const T&, const T& u,
            const xoptim::slot_view<xoptim::scalar_t<T>>&) const
#else
    template <xoptim::element T>
    T apply(const T& u) const
#endif
    {
        return -u;
    }
};

int main()
{
    // expected error on the next line: negate, r.apply(c, w, u, state)
    xoptim::optimizer opt(xoptim::chain(negate{}, xoptim::scale_by_lr{0.1}));
    xt::xtensor<double, 1> w = {1.0, 2.0};
    opt.step(w, 2.0 * w);
}
