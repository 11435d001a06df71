// Checkpoint and resume: train a least-squares fit with Adam and a cosine schedule for 50 steps,
// save a checkpoint (state, schedule position and parameters), "restart" by loading it into a
// freshly made optimizer, train 50 more steps, and check that the result is bit for bit the
// one of 100 uninterrupted steps. Also shows the non-finite gradient policy and what a
// corrupted checkpoint does.

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <vector>

#include <xoptim/io/checkpoint.hpp>
#include <xoptim/optimizers.hpp>

#include <xtensor/xtensor.hpp>

namespace
{
    using vec = xt::xtensor<double, 1>;

    // Gradient of 0.5 * ||A w - b||^2 for a fixed 3x3 system: A^T (A w - b).
    vec gradient(const vec& w)
    {
        const double a[3][3] = {{4.0, 1.0, 0.0}, {1.0, 3.0, 1.0}, {0.0, 1.0, 2.0}};
        const double b[3] = {1.0, 2.0, 3.0};
        double r[3];
        for (int i = 0; i < 3; ++i) { r[i] = a[i][0] * w(0) + a[i][1] * w(1) + a[i][2] * w(2) - b[i]; }
        vec g = xt::zeros<double>({3});
        for (int j = 0; j < 3; ++j)
        {
            for (int i = 0; i < 3; ++i) { g(j) += a[i][j] * r[i]; }
        }
        return g;
    }

    auto make_optimizer() { return xoptim::adam({}, xoptim::cosine_decay{0.05, 100, 1e-4}); }

    template <class Opt>
    void train(Opt& opt, vec& w, int steps)
    {
        for (int s = 0; s < steps; ++s) { opt.step(w, gradient(w)); }
    }

    bool same_bits(const vec& a, const vec& b)
    {
        return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
    }
}

int main()
{
    const std::filesystem::path file = "adam.ckpt";

    // 100 steps without a break.
    auto straight = make_optimizer();
    vec w_straight = xt::zeros<double>({3});
    train(straight, w_straight, 100);

    // 50 steps, then a checkpoint with the parameters (written atomically).
    {
        auto opt = make_optimizer();
        vec w = xt::zeros<double>({3});
        train(opt, w, 50);
        xoptim::save_checkpoint(file, opt, w);
        std::printf("saved %s after %llu steps (%ju bytes, kind %s)\n", file.c_str(),
                    static_cast<unsigned long long>(opt.step_count()),
                    static_cast<std::uintmax_t>(std::filesystem::file_size(file)),
                    xoptim::checkpoint_kind<decltype(opt)>().c_str());
    }

    // A new process would start here: a fresh optimizer and parameters, then the checkpoint.
    auto resumed = make_optimizer();
    vec w = xt::zeros<double>({3});
    xoptim::load_checkpoint(file, resumed, w);
    std::printf("resumed at step %llu, next learning rate %.6g\n",
                static_cast<unsigned long long>(resumed.step_count()), resumed.learning_rate());
    train(resumed, w, 50);

    const bool exact = same_bits(w, w_straight);
    std::printf("w after 50 + 50 steps: %.17g %.17g %.17g\n", w(0), w(1), w(2));
    std::printf("identical to 100 uninterrupted steps: %s\n", exact ? "yes" : "no");

    // A gradient with a NaN: skipped (and counted) instead of poisoning the state.
    resumed.set_nonfinite_policy(xoptim::nonfinite_policy::skip_step);
    vec bad = gradient(w);
    bad(1) = std::numeric_limits<double>::quiet_NaN();
    const bool applied = resumed.step(w, bad);
    std::printf("step with a NaN gradient applied: %s; skipped so far: %llu\n", applied ? "yes" : "no",
                static_cast<unsigned long long>(resumed.skipped_steps()));

    // A damaged file is refused with a message, and nothing is changed.
    {
        std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(40);
        f.put('\x7f');
    }
    try
    {
        xoptim::load_checkpoint(file, resumed, w);
        std::printf("a damaged checkpoint was accepted\n");
        return 1;
    }
    catch (const xoptim::checkpoint_error& e)
    {
        std::printf("damaged checkpoint refused: %s\n", e.what());
    }
    std::filesystem::remove(file);
    return exact && !applied ? 0 : 1;
}
