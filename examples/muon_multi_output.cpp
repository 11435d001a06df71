// The library's multi-output regression (Y ~ [1 X] W, W 9 x 4 on 100 generated samples) fitted
// with Muon, which steps W as a matrix, in a loop that halves its rate every 50 steps:
// flat_matrix reads the problem's flat parameter vector as W in place (fit() takes it as it is,
// tests/muon/test_flat_matrix.cpp). AdamW runs beside it from the same start, for comparison; both
// are measured against the least-squares W. Prints the losses every 40 steps and exits 1 unless
// Muon ends within 0.1% of the least-squares loss (at step 400: 0.0747163 against 0.0747156; the
// last digits depend on the BLAS kernel, the 0.1% does not).
// On this small convex problem AdamW is there by step 200; Muon's orthogonalised steps have a
// fixed size, so they reach the optimum only as the rate decays.
//
// Build with the xoptim::muon component (it links a BLAS):
//   target_link_libraries(my_program PRIVATE xoptim::muon)

#include <xoptim/muon.hpp>
#include <xoptim/muon/flat_matrix.hpp>
#include <xoptim/problems/multi_output_regression.hpp>
#include <xoptim/xoptim.hpp>

#include <xtensor/xtensor.hpp>

#include <cstdio>

int main()
{
    using vec = xt::xtensor<double, 1>;
    const xoptim::multi_output_regression<xoptim::mse> problem(
        xoptim::multi_output_data(0, {.features = 8, .outputs = 4}));
    const auto [rows, cols] = problem.matrix_shape();
    const double best = problem.value(problem.least_squares());

    // Muon: Nesterov momentum, then the update of W orthogonalised (5 Newton-Schulz steps). Its
    // step has a fixed spectral size, so the rate decays by half every 50 steps (a constant or
    // slowly decaying rate leaves it bouncing around the optimum).
    xoptim::muon_options mo;
    mo.lr = 0.4;
    mo.weight_decay = 0.0;
    xoptim::flat_matrix muon(xoptim::muon<double>(mo), rows, cols);
    auto adamw = xoptim::adamw<double>();
    adamw.set(0, "lr", 0.4);
    adamw.set(0, "weight_decay", 0.0);

    vec w_muon = xt::zeros<double>({problem.dimension()});
    vec w_adamw = w_muon;
    vec g = w_muon;
    std::printf("least squares: %.6g\n step       muon      adamw\n", best);
    double muon_loss = problem.value(w_muon);
    for (int step = 1; step <= 400; ++step)
    {
        if (step % 50 == 0)
        {
            mo.lr *= 0.5;
            muon.optimizer().set_options(mo);
        }
        problem.gradient(w_muon, g);
        muon.step(w_muon, g);
        problem.gradient(w_adamw, g);
        adamw.step(w_adamw, g);
        muon_loss = problem.value(w_muon);
        if (step % 40 == 0) { std::printf("%5d %10.6g %10.6g\n", step, muon_loss, problem.value(w_adamw)); }
    }
    const bool close = muon_loss <= best * 1.001;
    std::printf("muon's loss is %s 0.1%% of the least squares\n", close ? "within" : "NOT within");
    return close ? 0 : 1;
}
