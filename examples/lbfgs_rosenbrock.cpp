// L-BFGS on Rosenbrock's valley, as torch.optim.LBFGS runs it: a closure returns the loss
// and writes the gradient; each step() runs up to max_iter iterations with a strong Wolfe line
// search. Prints each step's loss, point and function evaluations, then saves a checkpoint and
// shows that a resumed optimizer continues exactly.

#include <cmath>
#include <cstdio>
#include <span>

#include <xtensor/xtensor.hpp>

#include <xoptim/io/lbfgs_checkpoint.hpp>
#include <xoptim/lbfgs.hpp>
#include <xoptim/problems/test_functions.hpp>

int main()
{
    using vec = xt::xtensor<double, 1>;
    // torch.optim.LBFGS([w], history_size=10, max_iter=10, line_search_fn="strong_wolfe")
    xoptim::lbfgs<double> opt(
        {.max_iter = 10, .history_size = 10, .line_search_fn = xoptim::line_search::strong_wolfe});
    vec w = {-1.2, 1.0};
    auto closure = [](const vec& x, auto& g) {
        const auto df = xoptim::rosenbrock::df(x(0), x(1));
        g(0) = df[0];
        g(1) = df[1];
        return xoptim::rosenbrock::f(x(0), x(1));
    };

    std::printf("step  loss at start      x          y          func_evals  n_iter\n");
    for (int k = 1; k <= 3; ++k)
    {
        const double loss = opt.step(w, closure);
        std::printf("%4d  %-17.6e  %-9.6f  %-9.6f  %10llu  %6llu\n", k, loss, w(0), w(1),
                    static_cast<unsigned long long>(opt.func_evals()), static_cast<unsigned long long>(opt.n_iter()));
    }

    // Save, resume in a fresh optimizer, and take one more step in both: the same numbers.
    const auto bytes = xoptim::to_bytes(opt, w);
    xoptim::lbfgs<double> resumed;
    vec v = xt::zeros<double>({2});
    xoptim::from_bytes(std::span<const unsigned char>(bytes), resumed, v);
    opt.step(w, closure);
    resumed.step(v, closure);
    std::printf("after a fourth step: (%.17g, %.17g), resumed: (%.17g, %.17g)\n", w(0), w(1), v(0), v(1));

    const bool ok = w == v && std::abs(w(0) - 1.0) < 1e-5 && std::abs(w(1) - 1.0) < 1e-5;
    std::printf("%s\n", ok ? "converged to the minimum (1, 1); the resumed run is identical" : "FAILED");
    return ok ? 0 : 1;
}
