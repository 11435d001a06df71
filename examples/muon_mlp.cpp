// A small two-layer network, y = W2 relu(W1 x + b1) + b2, fitted to a random teacher network
// of the same shape with Muon for the weight matrices and AdamW for the biases: one
// muon_with_adamw, one add_params call that routes the tensors by rank, one step per batch.
// Prints the loss every 50 steps; exits 1 unless the loss falls to a fifth.
//
// Build with the xoptim::muon component (it links a BLAS):
//   target_link_libraries(my_program PRIVATE xoptim::muon)

#include <xoptim/muon.hpp>

#include <xtensor/xtensor.hpp>

#include <cstdint>
#include <cstdio>
#include <random>

namespace
{
    using mat = xt::xtensor<double, 2>;
    using vec = xt::xtensor<double, 1>;

    // Uniform in [-s, s), from a seeded generator.
    template <class T>
    void fill(T& t, std::mt19937_64& gen, double s)
    {
        for (auto& x : t) { x = s * (static_cast<double>(gen() >> 11) * 0x1p-53 * 2.0 - 1.0); }
    }

    struct net
    {
        mat W1, W2;
        vec b1, b2;
        net(std::size_t in, std::size_t hidden, std::size_t out)
            : W1(xt::zeros<double>({hidden, in})), W2(xt::zeros<double>({out, hidden})),
              b1(xt::zeros<double>({hidden})), b2(xt::zeros<double>({out}))
        {}
    };
}

int main()
{
    constexpr std::size_t in = 8, hidden = 32, out = 4, batch = 64;
    std::mt19937_64 gen(7);
    net teacher(in, hidden, out), model(in, hidden, out);
    fill(teacher.W1, gen, 1.0);
    fill(teacher.W2, gen, 1.0);
    fill(teacher.b1, gen, 0.5);
    fill(teacher.b2, gen, 0.5);
    fill(model.W1, gen, 0.3);
    fill(model.W2, gen, 0.3);

    xoptim::muon_options mo;
    mo.lr = 0.02;
    mo.weight_decay = 0.0;
    xoptim::adamw_options ao;
    ao.lr = 0.01;
    ao.weight_decay = 0.0;
    auto opt = xoptim::muon_with_adamw<double>(mo, ao);
    opt.add_params({model.W1, model.b1, model.W2, model.b2});  // W1, W2 to Muon; b1, b2 to AdamW

    mat x = xt::zeros<double>({batch, in});
    mat gW1 = xt::zeros<double>({hidden, in}), gW2 = xt::zeros<double>({out, hidden});
    vec gb1 = xt::zeros<double>({hidden}), gb2 = xt::zeros<double>({out});
    double first = 0.0, loss = 0.0;
    for (int step = 0; step <= 400; ++step)
    {
        fill(x, gen, 1.0);
        gW1.fill(0.0);
        gW2.fill(0.0);
        gb1.fill(0.0);
        gb2.fill(0.0);
        loss = 0.0;
        for (std::size_t n = 0; n < batch; ++n)
        {
            // Forward through both networks, backward through the model (mean squared error).
            double h[hidden], ht[hidden], y[out];
            for (std::size_t j = 0; j < hidden; ++j)
            {
                double a = model.b1(j), at = teacher.b1(j);
                for (std::size_t i = 0; i < in; ++i)
                {
                    a += model.W1(j, i) * x(n, i);
                    at += teacher.W1(j, i) * x(n, i);
                }
                h[j] = a > 0.0 ? a : 0.0;
                ht[j] = at > 0.0 ? at : 0.0;
            }
            for (std::size_t k = 0; k < out; ++k)
            {
                double yk = model.b2(k), tk = teacher.b2(k);
                for (std::size_t j = 0; j < hidden; ++j)
                {
                    yk += model.W2(k, j) * h[j];
                    tk += teacher.W2(k, j) * ht[j];
                }
                y[k] = (yk - tk) / static_cast<double>(batch * out);
                loss += (yk - tk) * (yk - tk) / static_cast<double>(batch * out);
            }
            for (std::size_t k = 0; k < out; ++k)
            {
                gb2(k) += 2.0 * y[k];
                for (std::size_t j = 0; j < hidden; ++j) { gW2(k, j) += 2.0 * y[k] * h[j]; }
            }
            for (std::size_t j = 0; j < hidden; ++j)
            {
                if (h[j] <= 0.0) { continue; }
                double d = 0.0;
                for (std::size_t k = 0; k < out; ++k) { d += 2.0 * y[k] * model.W2(k, j); }
                gb1(j) += d;
                for (std::size_t i = 0; i < in; ++i) { gW1(j, i) += d * x(n, i); }
            }
        }
        if (step == 0) { first = loss; }
        if (step % 50 == 0) { std::printf("step %3d  loss %.6f\n", step, loss); }
        opt.step({gW1, gb1, gW2, gb2});
    }
    std::printf("Muon stepped %llu times; loss %.6f -> %.6f\n",
                static_cast<unsigned long long>(opt.muon().step_count()), first, loss);
    return loss < 0.2 * first ? 0 : 1;
}
