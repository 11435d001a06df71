// A real model: a multilayer perceptron (64 -> 32 tanh -> 10 softmax) learns the 8x8
// handwritten digits of tests/data/digits.csv with each of Adam, AdamW, SGD with Nesterov
// momentum and LAMB. Weights and biases are two parameter groups (weight decay on the weights
// only), the rate warms up for 30 steps and then follows a half cosine, gradients are clipped
// by their global norm, and batches hold 32 digits. Halfway through, each run saves a
// checkpoint; a fresh optimizer and model resume from it and must end bit for bit where the
// uninterrupted run ends. Prints the accuracy on the 297 held-out digits.
//
// The model, data, initial weights and batch order are in mlp_digits.hpp, shared with
// tests/test_mlp_digits.cpp, which checks Adam, AdamW and SGD against PyTorch.

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include <xoptim/io/checkpoint.hpp>

#include "mlp_digits.hpp"

namespace
{
    bool same_bits(const mlp_digits::mlp& a, const mlp_digits::mlp& b)
    {
        auto same = [](const auto& x, const auto& y) {
            return x.shape() == y.shape() && std::memcmp(x.data(), y.data(), x.size() * sizeof(double)) == 0;
        };
        return same(a.weights[0], b.weights[0]) && same(a.weights[1], b.weights[1]) && same(a.biases[0], b.biases[0])
               && same(a.biases[1], b.biases[1]);
    }

    // Trains half the steps, saves a checkpoint, trains the rest; then resumes a fresh optimizer
    // and model from the checkpoint and trains them to the end too. Returns false if the two
    // ends differ.
    template <class Make>
    bool run(const char* name, Make make, const mlp_digits::split& data)
    {
        const std::filesystem::path file = std::string("mlp_") + name + ".ckpt";
        mlp_digits::batch_order order(data.train.size());

        mlp_digits::mlp model = mlp_digits::initial_mlp();
        auto opt = make(model);
        const double first_loss = mlp_digits::train(opt, model, data.train, order, mlp_digits::steps / 2).front();
        xoptim::save_checkpoint(file, opt, mlp_digits::parameter_refs(model));
        const double last_loss = mlp_digits::train(opt, model, data.train, order, mlp_digits::steps).back();

        mlp_digits::mlp restored = mlp_digits::zeros_like(model);
        auto resumed = make(restored);
        auto saved = mlp_digits::parameter_refs(restored);  // loaded straight into the model
        xoptim::load_checkpoint(file, resumed, saved);
        mlp_digits::train(resumed, restored, data.train, order, mlp_digits::steps);
        std::filesystem::remove(file);

        const bool exact = same_bits(model, restored);
        std::printf("%-13s loss %.4f -> %.4f   test accuracy %.4f   resumed at step %d: %s\n", name, first_loss,
                    last_loss, mlp_digits::accuracy(model, data.test), static_cast<int>(mlp_digits::steps / 2),
                    exact ? "identical" : "DIFFERENT");
        return exact;
    }
}

int main(int argc, char** argv)
{
    const std::filesystem::path csv = argc > 1 ? argv[1] : XOPTIM_DATA_DIR "/digits.csv";
    const mlp_digits::split data = mlp_digits::load_digits(csv);
    std::printf("%zu training and %zu test digits, %d steps of %zu\n", data.train.size(), data.test.size(),
                static_cast<int>(mlp_digits::steps), mlp_digits::batch_size);
    bool ok = true;
    ok = run("adam", mlp_digits::make_adam, data) && ok;
    ok = run("adamw", mlp_digits::make_adamw, data) && ok;
    ok = run("sgd_nesterov", mlp_digits::make_sgd_nesterov, data) && ok;
    ok = run("lamb", mlp_digits::make_lamb, data) && ok;
    return ok ? 0 : 1;
}
