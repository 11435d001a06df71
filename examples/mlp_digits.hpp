#pragma once
// A small real model for examples/mlp_digits.cpp and tests/test_mlp_digits.cpp: a multilayer
// perceptron 64 -> 32 tanh -> 10 softmax on scikit-learn's copy of the UCI handwritten digits
// (tests/data/digits.csv), trained on mini-batches by cross-entropy (mean over the batch).
//
// Everything random (the train/test split, initial weights, batch order) comes from splitmix64
// as written below, so that scripts/reference/mlp_digits.py makes the same numbers in PyTorch
// without sharing a generator. The model's forward and backward passes are plain loops: this is example code,
// not part of the library.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <xtensor/xarray.hpp>
#include <xtensor/xtensor.hpp>

#include <xoptim/clip_grad_norm.hpp>
#include <xoptim/optimizers.hpp>
#include <xoptim/problems/csv.hpp>
#include <xoptim/schedules.hpp>

namespace mlp_digits
{
    // ---- the set-up (the same constants as scripts/reference/mlp_digits.py) -----------------
    inline constexpr std::size_t inputs = 64, hidden = 32, classes = 10;
    inline constexpr std::size_t train_rows = 1500;  // of the 1797 digits; the other 297 test
    inline constexpr std::size_t batch_size = 32;    // 46 batches an epoch, 28 rows left out
    inline constexpr std::uint64_t steps = 300;
    inline constexpr std::uint64_t init_seed = 1;   // splitmix64 seed of the initial weights
    inline constexpr std::uint64_t order_seed = 2;  // splitmix64 seed of the batch order
    inline constexpr std::uint64_t split_seed = 3;  // splitmix64 seed of the train/test split
    inline constexpr std::uint64_t warmup_steps = 30;
    inline constexpr double start_factor = 0.1;
    inline constexpr double max_grad_norm = 0.5;  // the global norm here is 0.08-0.84
    inline constexpr double weight_decay = 1e-2;  // weights only

    // ---- splitmix64 (Steele, Lea & Flood 2014) -----------------------------------------------
    struct splitmix64
    {
        static constexpr std::uint64_t gamma = 0x9E3779B97F4A7C15ull;
        std::uint64_t state = 0;

        std::uint64_t next()
        {
            state += gamma;
            std::uint64_t z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
            return z ^ (z >> 31);
        }
        // Jumps `draws` draws ahead: the state is a Weyl sequence.
        void skip(std::uint64_t draws) { state += draws * gamma; }
        // A double in [0, 1): the top 53 bits times 2^-53, exactly.
        double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    };

    // Fisher-Yates on 0..n-1: for i = n-1 down to 1, swap p[i] and p[draw mod (i + 1)]
    // (n - 1 draws; the modulo's bias, below 2^-50 here, is part of the definition).
    inline void shuffle_indices(std::vector<std::size_t>& p, std::size_t n, splitmix64& rng)
    {
        p.resize(n);
        for (std::size_t i = 0; i < n; ++i) { p[i] = i; }
        for (std::size_t i = n - 1; i > 0; --i) { std::swap(p[i], p[rng.next() % (i + 1)]); }
    }

    // ---- data --------------------------------------------------------------------------------
    struct digits
    {
        xt::xtensor<double, 2> x;         // rows of 64 pixels scaled to [0, 1]
        std::vector<std::size_t> labels;  // 0..9
        std::size_t size() const noexcept { return labels.size(); }
    };

    struct split
    {
        digits train, test;
    };

    // The rows order[first], ..., order[last - 1] of `all`, pixels scaled by 1/16.
    inline digits rows_of(const xoptim::dataset& all, const std::vector<std::size_t>& order, std::size_t first,
                          std::size_t last)
    {
        digits d{xt::xtensor<double, 2>::from_shape({last - first, inputs}), {}};
        for (std::size_t i = first; i < last; ++i)
        {
            for (std::size_t j = 0; j < inputs; ++j) { d.x(i - first, j) = all.x(order[i], j) / 16.0; }
            d.labels.push_back(static_cast<std::size_t>(all.y(order[i])));
        }
        return d;
    }

    // digits.csv: a header line, then 1797 rows of 64 pixel values 0..16 and the digit. The
    // rows are shuffled with split_seed; the first 1500 of the shuffle train, the rest test.
    inline split load_digits(const std::filesystem::path& csv)
    {
        const xoptim::dataset all = xoptim::load_csv(csv);
        if (all.features() != inputs || all.size() <= train_rows)
        {
            throw std::runtime_error(csv.string() + ": expected " + std::to_string(inputs)
                                     + " pixels and a label per row, and more than " + std::to_string(train_rows)
                                     + " rows");
        }
        std::vector<std::size_t> order;
        splitmix64 rng{split_seed};
        shuffle_indices(order, all.size(), rng);
        return {rows_of(all, order, 0, train_rows), rows_of(all, order, train_rows, all.size())};
    }

    // ---- the model ---------------------------------------------------------------------------
    // PyTorch's layout: weights[0] is fc1.weight (32 x 64), weights[1] fc2.weight (10 x 32),
    // biases[0] fc1.bias (32), biases[1] fc2.bias (10). A gradient has the same shape.
    struct mlp
    {
        std::array<xt::xtensor<double, 2>, 2> weights;
        std::array<xt::xtensor<double, 1>, 2> biases;
    };

    inline mlp zeros_like(const mlp& m)
    {
        mlp z;
        for (std::size_t l = 0; l < 2; ++l)
        {
            z.weights[l] = xt::zeros<double>(m.weights[l].shape());
            z.biases[l] = xt::zeros<double>(m.biases[l].shape());
        }
        return z;
    }

    // Each layer's weight, then its bias, element by element in row-major order, from one
    // splitmix64 stream: (2u - 1) / sqrt(fan_in), the range of torch.nn.Linear's initialisation.
    inline mlp initial_mlp(std::uint64_t seed = init_seed)
    {
        splitmix64 rng{seed};
        mlp m;
        const std::array<std::array<std::size_t, 2>, 2> layers = {{{hidden, inputs}, {classes, hidden}}};
        for (std::size_t l = 0; l < 2; ++l)
        {
            const auto [fan_out, fan_in] = layers[l];
            const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
            m.weights[l] = xt::xtensor<double, 2>::from_shape({fan_out, fan_in});
            m.biases[l] = xt::xtensor<double, 1>::from_shape({fan_out});
            for (double& w : m.weights[l]) { w = (2.0 * rng.uniform() - 1.0) * bound; }
            for (double& b : m.biases[l]) { b = (2.0 * rng.uniform() - 1.0) * bound; }
        }
        return m;
    }

    // The class scores of one input row: logits = W2 tanh(W1 x + b1) + b2; `h` receives the
    // hidden activations.
    inline void forward_row(const mlp& m, const double* x, double* h, double* logits)
    {
        const double* w1 = m.weights[0].data();
        const double* w2 = m.weights[1].data();
        const double* b1 = m.biases[0].data();
        const double* b2 = m.biases[1].data();
        for (std::size_t j = 0; j < hidden; ++j)
        {
            const double* w1_row = w1 + j * inputs;
            double a = 0.0;
            for (std::size_t k = 0; k < inputs; ++k) { a += w1_row[k] * x[k]; }
            h[j] = std::tanh(a + b1[j]);
        }
        for (std::size_t c = 0; c < classes; ++c)
        {
            const double* w2_row = w2 + c * hidden;
            double z = 0.0;
            for (std::size_t j = 0; j < hidden; ++j) { z += w2_row[j] * h[j]; }
            logits[c] = z + b2[c];
        }
    }

    // log softmax in place: z - max - log(sum exp(z - max)).
    inline void log_softmax(double* z)
    {
        const double top = *std::max_element(z, z + classes);
        double sum = 0.0;
        for (std::size_t c = 0; c < classes; ++c) { sum += std::exp(z[c] - top); }
        const double log_sum = std::log(sum);
        for (std::size_t c = 0; c < classes; ++c) { z[c] = z[c] - top - log_sum; }
    }

    // The mean cross-entropy over the rows `batch` of `data`, and its gradient with respect
    // to every parameter, written into `grad` (which must have the model's shapes). The loops
    // run on raw pointers so that an unoptimised build (the tests) stays quick.
    inline double loss_and_gradient(const mlp& m, const digits& data, std::span<const std::size_t> batch, mlp& grad)
    {
        for (std::size_t l = 0; l < 2; ++l)
        {
            grad.weights[l].fill(0.0);
            grad.biases[l].fill(0.0);
        }
        double* gw1 = grad.weights[0].data();
        double* gw2 = grad.weights[1].data();
        double* gb1 = grad.biases[0].data();
        double* gb2 = grad.biases[1].data();
        const double* w2 = m.weights[1].data();
        const double n = static_cast<double>(batch.size());
        std::array<double, hidden> hidden_out{}, hidden_grad{};
        std::array<double, classes> scores{};
        double* h = hidden_out.data();
        double* dh = hidden_grad.data();
        double* z = scores.data();
        double loss = 0.0;
        for (const std::size_t row : batch)
        {
            const double* x = &data.x(row, 0);
            const std::size_t label = data.labels[row];
            forward_row(m, x, h, z);
            log_softmax(z);
            loss -= z[label];
            // d loss / d logits = (softmax - one_hot) / n
            for (std::size_t c = 0; c < classes; ++c) { z[c] = (std::exp(z[c]) - (c == label ? 1.0 : 0.0)) / n; }
            for (std::size_t j = 0; j < hidden; ++j) { dh[j] = 0.0; }
            for (std::size_t c = 0; c < classes; ++c)
            {
                const double dz = z[c];
                const double* w2_row = w2 + c * hidden;
                double* gw2_row = gw2 + c * hidden;
                gb2[c] += dz;
                for (std::size_t j = 0; j < hidden; ++j)
                {
                    gw2_row[j] += dz * h[j];
                    dh[j] += dz * w2_row[j];
                }
            }
            for (std::size_t j = 0; j < hidden; ++j)
            {
                const double da = dh[j] * (1.0 - h[j] * h[j]);  // tanh' = 1 - tanh^2
                double* gw1_row = gw1 + j * inputs;
                gb1[j] += da;
                for (std::size_t k = 0; k < inputs; ++k) { gw1_row[k] += da * x[k]; }
            }
        }
        return loss / n;
    }

    // The share of rows whose highest score is their label (the first of equal scores wins).
    inline double accuracy(const mlp& m, const digits& data)
    {
        std::array<double, hidden> h{};
        std::array<double, classes> z{};
        std::size_t right = 0;
        for (std::size_t row = 0; row < data.size(); ++row)
        {
            forward_row(m, &data.x(row, 0), h.data(), z.data());
            const auto best = static_cast<std::size_t>(std::max_element(z.begin(), z.end()) - z.begin());
            right += best == data.labels[row] ? 1 : 0;
        }
        return static_cast<double>(right) / static_cast<double>(data.size());
    }

    // ---- batch order -------------------------------------------------------------------------
    // Epoch e is shuffle_indices of the n training rows on draws e (n - 1) .. (e + 1)(n - 1) - 1
    // of one splitmix64 stream; step s takes batch s mod 46 of epoch s / 46. The batch of a
    // step depends on the step alone, so a resumed run goes on with the same batches.
    class batch_order
    {
    public:
        explicit batch_order(std::size_t rows, std::uint64_t seed = order_seed) : m_rows(rows), m_seed(seed) {}

        std::uint64_t batches_per_epoch() const noexcept { return m_rows / batch_size; }

        std::span<const std::size_t> batch(std::uint64_t step)
        {
            const std::uint64_t epoch = step / batches_per_epoch();
            if (m_order.empty() || epoch != m_epoch) { shuffle(epoch); }
            const std::size_t first = static_cast<std::size_t>(step % batches_per_epoch()) * batch_size;
            return std::span<const std::size_t>(m_order).subspan(first, batch_size);
        }

    private:
        void shuffle(std::uint64_t epoch)
        {
            splitmix64 rng{m_seed};
            rng.skip(epoch * (m_rows - 1));
            shuffle_indices(m_order, m_rows, rng);
            m_epoch = epoch;
        }

        std::size_t m_rows;
        std::uint64_t m_seed;
        std::uint64_t m_epoch = 0;
        std::vector<std::size_t> m_order;
    };

    // ---- optimizers --------------------------------------------------------------------------
    // Group 0 holds the two weight matrices with weight decay, group 1 the two bias vectors
    // without; both follow the same warm-up and cosine schedule.
    inline constexpr std::size_t weights_group = 0, biases_group = 1;

    using warmup_cosine = xoptim::linear_warmup<xoptim::cosine_decay>;

    // start_factor * lr rising to lr over 30 steps, then a half cosine down to 0 over 270.
    inline warmup_cosine lr_schedule(double lr)
    {
        return {xoptim::cosine_decay{.lr = lr, .period = steps - warmup_steps, .eta_min = 0.0}, warmup_steps,
                start_factor};
    }

    // The model's tensors registered with opt: its weights (group 0, the optimizer's weight
    // decay) and its biases (group 1, none). The optimizer holds them by reference.
    template <class Opt>
    Opt registered(Opt opt, mlp& m)
    {
        opt.add_group({m.weights[0], m.weights[1]});
        opt.add_group({m.biases[0], m.biases[1]}, {{"weight_decay", 0.0}});
        return opt;
    }

    inline auto make_adam(mlp& m)
    {
        return registered(xoptim::adam<double>({.weight_decay = weight_decay}, lr_schedule(1e-2)), m);
    }
    inline auto make_adamw(mlp& m)
    {
        return registered(xoptim::adamw<double>({.weight_decay = weight_decay}, lr_schedule(1e-2)), m);
    }
    inline auto make_sgd_nesterov(mlp& m)
    {
        return registered(xoptim::nesterov<double>({.momentum = 0.9, .weight_decay = weight_decay}, lr_schedule(0.1)),
                          m);
    }
    inline auto make_lamb(mlp& m)
    {
        return registered(xoptim::lamb<double>({.weight_decay = weight_decay}, lr_schedule(1e-2)), m);
    }

    // One update of every registered tensor from its (clipped) gradient: one call, both groups.
    template <class Opt>
    void optimizer_step(Opt& opt, const mlp& grad)
    {
        opt.step({grad.weights[0], grad.weights[1], grad.biases[0], grad.biases[1]});
    }

    // Trains until opt has taken `until` steps (from wherever it is, e.g. after a resume);
    // returns the loss of each step taken, on its batch before its update.
    template <class Opt>
    std::vector<double> train(Opt& opt, mlp& m, const digits& data, batch_order& order, std::uint64_t until,
                              double max_norm = max_grad_norm)
    {
        std::vector<double> losses;
        mlp grad = zeros_like(m);
        for (std::uint64_t step = opt.step_count(weights_group); step < until; ++step)
        {
            losses.push_back(loss_and_gradient(m, data, order.batch(step), grad));
            xoptim::clip_grad_norm(std::tie(grad.weights[0], grad.weights[1], grad.biases[0], grad.biases[1]),
                                   max_norm);
            optimizer_step(opt, grad);
        }
        return losses;
    }

    // ---- checkpoints -------------------------------------------------------------------------
    // The parameters a checkpoint stores and restores: the model's own tensors, by reference.
    inline std::vector<xoptim::tensor_ref<double>> parameter_refs(mlp& m)
    {
        return {m.weights[0], m.weights[1], m.biases[0], m.biases[1]};
    }
}
