// Writes valid checkpoints of every fuzzed optimizer type into a directory: the fuzzer's seed
// corpus. Usage: make_seeds DIR
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "fuzz_types.hpp"

int main(int argc, char** argv)
{
    if (argc != 2)
    {
        std::fprintf(stderr, "usage: make_seeds DIR\n");
        return 2;
    }
    const std::filesystem::path dir = argv[1];
    std::filesystem::create_directories(dir);
    int written = 0;
    xoptim_fuzz::for_each_type([&](const char* name, auto make) {
        auto opt = make();
        using V = typename decltype(opt)::value_type;
        // Before any step (no state), then after a few steps on two small tensors.
        xoptim::save_checkpoint(dir / (std::string(name) + "_empty.ckpt"), opt);
        ++written;
        std::vector<xt::xtensor<V, 2>> params{xt::xtensor<V, 2>{{1, -2, 3}, {0.5, 0.25, -1}}, xt::xtensor<V, 2>{{2}}};
        std::vector<xt::xtensor<V, 2>> grads{xt::xtensor<V, 2>{{0.1, 0.2, -0.3}, {1, -1, 0}},
                                             xt::xtensor<V, 2>{{-0.5}}};
        for (std::size_t g = 0; g < opt.group_count(); ++g)
        {
            for (int s = 0; s < 3; ++s) { opt.step(g, params, grads); }
        }
        xoptim::save_checkpoint(dir / (std::string(name) + "_state.ckpt"), opt);
        xoptim::save_checkpoint(dir / (std::string(name) + "_params.ckpt"), opt, params);
        written += 2;
    });
    std::printf("make_seeds: wrote %d checkpoints to %s\n", written, dir.c_str());
    return 0;
}
