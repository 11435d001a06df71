// How fast one core reads two float arrays of 2^24 elements (sum of squares of each, no
// writes: the first pass of LARS) when they are read as 1, 2 or 4 segments at once, next
// to the in-place axpy y += a x. Median of 15, GB/s.
//   g++ -std=c++20 -O3 -march=native benchmarks/experiments/read_streams.cpp -o rs && ./rs

#include <xsimd/xsimd.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

int main()
{
    using B = xsimd::batch<float>;
    constexpr std::size_t n = std::size_t(1) << 24, W = B::size;
    std::vector<float, xsimd::aligned_allocator<float, 64>> w(n, 1.5f), g(n, 0.5f), y(n, 1.0f);
    double sink = 0.0;
    auto median = [](std::vector<double> t) {
        std::sort(t.begin(), t.end());
        return t[t.size() / 2];
    };
    for (std::size_t segments : {1, 2, 4})
    {
        std::vector<double> t;
        for (int r = 0; r < 15; ++r)
        {
            const auto t0 = std::chrono::steady_clock::now();
            B sw[4] = {B(0.f), B(0.f), B(0.f), B(0.f)}, sg[4] = {B(0.f), B(0.f), B(0.f), B(0.f)};
            const std::size_t len = n / segments;
            for (std::size_t i = 0; i < len; i += W)
            {
                for (std::size_t k = 0; k < segments; ++k)
                {
                    const B a = B::load_aligned(w.data() + k * len + i), b = B::load_aligned(g.data() + k * len + i);
                    sw[k] = sw[k] + a * a;
                    sg[k] = sg[k] + b * b;
                }
            }
            for (std::size_t k = 0; k < segments; ++k) { sink += xsimd::hadd(sw[k]) + xsimd::hadd(sg[k]); }
            t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
        std::printf("read 2 streams as %zu segment(s): %.2f GB/s\n", segments, 8.0 * n / median(t) / 1e9);
    }
    std::vector<double> t;
    for (int r = 0; r < 15; ++r)
    {
        const auto t0 = std::chrono::steady_clock::now();
        for (std::size_t i = 0; i < n; i += W)
        {
            (B::load_aligned(y.data() + i) + B(0.5f) * B::load_aligned(g.data() + i)).store_aligned(y.data() + i);
        }
        t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::printf("in-place axpy: %.2f GB/s (%g)\n", 12.0 * n / median(t) / 1e9, sink + y[7]);
}
