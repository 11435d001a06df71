// A rule written outside the library: AdaBelief's second moment (the variance of the
// gradient around its mean), composed with the library's own rules into an optimizer. It
// declares its name and hyperparameters, so it can be checkpointed, resumed bit for bit, and
// read or set by name like any rule of the library.
//
//   m <- b1 m + (1-b1) g;  s <- b2 s + (1-b2) (g - m)^2 + eps
//   out = (m / (1-b1^t)) / (sqrt(s / (1-b2^t)) + eps)        (Zhuang et al. 2020, "AdaBelief")

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string_view>
#include <tuple>

#include <xoptim/io/checkpoint.hpp>
#include <xoptim/xoptim.hpp>
#include <xtensor/xtensor.hpp>

struct scale_by_belief
{
    // The name a checkpoint records (in the optimizer's kind) and qualified names start with.
    static constexpr std::string_view name = "scale_by_belief";

    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-16;

    // Every data member, declared once: its name, its constraint and a line of help. The
    // default is the member's initialiser. Validation, get/set by name and checkpoints read it.
    static constexpr auto hyperparameters()
    {
        using namespace xoptim;
        return std::tuple{
            param("beta1", &scale_by_belief::beta1, constraints::unit_interval, "first-moment decay"),
            param("beta2", &scale_by_belief::beta2, constraints::unit_interval, "belief (variance) decay"),
            param("eps", &scale_by_belief::eps, constraints::positive, "term added to the variance")};
    }

    // State: two slots, m and s, owned by the optimizer; the rule holds hyperparameters only.
    static constexpr std::size_t max_slots = 2;
    std::size_t slots() const { return 2; }

    // Computed once per step, outside the element loop.
    template <class V>
    struct coefficients_type
    {
        V b1, one_minus_b1, b2, one_minus_b2, bias1, bias2, eps;
    };

    template <class V>
    coefficients_type<V> coefficients(const xoptim::step_info& s) const
    {
        const double t = static_cast<double>(s.step);
        return {V(beta1), V(1 - beta1), V(beta2), V(1 - beta2), V(1 - std::pow(beta1, t)), V(1 - std::pow(beta2, t)),
                V(eps)};
    }

    // The per-element work, generic in T: the engine runs it on xsimd batches and on scalars.
    template <xoptim::element T>
    T apply(const coefficients_type<xoptim::scalar_t<T>>& c, const T&, const T& g,
            const xoptim::slot_view<xoptim::scalar_t<T>>& state) const
    {
        const T m = c.b1 * state.template load<T>(0) + c.one_minus_b1 * g;
        const T d = g - m;
        const T s = c.b2 * state.template load<T>(1) + c.one_minus_b2 * (d * d) + c.eps;
        state.store(0, m);
        state.store(1, s);
        return (m / c.bias1) / (xoptim::math::sqrt(s / c.bias2) + c.eps);
    }
};

static_assert(xoptim::update_rule<scale_by_belief, double>);
// simd_batch<float>: xsimd's batch of floats for the target (float itself where xsimd has none).
static_assert(xoptim::update_rule<scale_by_belief, xoptim::simd_batch<float>>);
static_assert(xoptim::declares_hyperparameters<scale_by_belief>);

namespace
{
    // AdaBelief with decoupled weight decay, clipped gradients and a cosine schedule: one
    // fused pass per step, no library code touched.
    auto make_belief()
    {
        return xoptim::optimizer(xoptim::chain(xoptim::clip_by_value{10.0}, scale_by_belief{},
                                               xoptim::add_decayed_weights{1e-4},
                                               xoptim::scale_by_lr{xoptim::cosine_decay{0.05, 400, 0.001}}));
    }

    // The ill-conditioned quadratic f(w) = 0.5 * sum(k * w^2), k = 1 ... 1000, and its gradient k * w.
    constexpr std::size_t n = 64;
    const xt::xtensor<double, 1> k = xt::logspace<double>(0.0, 3.0, n);
    double f(const xt::xtensor<double, 1>& w) { return 0.5 * xt::sum(k * w * w)(); }
}

int main()
{
    auto opt = make_belief();
    xt::xtensor<double, 1> w = xt::ones<double>({n});

    // Its hyperparameters by name: the rule's own sit among the library's.
    std::printf("hyperparameters:");
    for (const auto& name : opt.hyperparameter_names()) { std::printf(" %s", name.c_str()); }
    std::printf("\n");

    for (int step = 0; step < 200; ++step) { opt.step(w, k * w); }

    // A checkpoint: the kind (the links' names), every declared hyperparameter by name, the step
    // count and the slots m and s, then the parameters.
    xoptim::save_checkpoint("belief.ckpt", opt, w);

    // The uninterrupted run, for comparison.
    auto uninterrupted = opt;
    xt::xtensor<double, 1> w_uninterrupted = w;
    for (int step = 0; step < 200; ++step) { uninterrupted.step(w_uninterrupted, k * w_uninterrupted); }

    // Resumed in a fresh optimizer whose beta2 differs: loading restores the file's values.
    auto resumed = make_belief();
    resumed.set(0, "beta2", 0.5);
    xt::xtensor<double, 1> w_resumed = xt::zeros<double>({n});
    xoptim::load_checkpoint("belief.ckpt", resumed, w_resumed);
    const bool restored = resumed.get(0, "beta2") == 0.999 && resumed.step_count() == 200;
    for (int step = 0; step < 200; ++step) { resumed.step(w_resumed, k * w_resumed); }
    const bool bitwise = w_resumed == w_uninterrupted;
    std::printf("resumed from step 200: hyperparameters %s, after 400 steps %s the uninterrupted run\n",
                restored ? "restored" : "NOT restored", bitwise ? "bit for bit" : "DIFFERENT FROM");

    // Set by name, checked against the declaration; a bad value changes nothing.
    resumed.set(0, "scale_by_belief.eps", 1e-12);
    bool refused = false;
    try
    {
        resumed.set(0, "beta1", 1.0);
    }
    catch (const std::invalid_argument& e)
    {
        refused = resumed.get(0, "beta1") == 0.9;
        std::printf("refused: %s\n", e.what());
    }

    std::printf("after %llu steps: f(w) = %.3e (from %.3e), lr now %.4g, eps %g\n",
                static_cast<unsigned long long>(resumed.step_count()), f(w_resumed), f(xt::ones<double>({n})),
                resumed.get(0, "lr"), resumed.get(0, "eps"));
    return restored && bitwise && refused && f(w_resumed) < 1e-3 ? 0 : 1;
}
