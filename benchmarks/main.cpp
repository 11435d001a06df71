// xoptim-bench's main(): counts heap allocations through a replaced global operator new,
// records the instruction set xsimd compiled for, and registers the suite in a fixed order
// (the references a ratio is taken against run before the benchmarks that use them).

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common.hpp"

namespace
{
    std::atomic<std::uint64_t> allocations{0};

    void* counted_allocate(std::size_t size)
    {
        allocations.fetch_add(1, std::memory_order_relaxed);
        if (size == 0) { size = 1; }
        if (void* p = std::malloc(size)) { return p; }
        throw std::bad_alloc();
    }

    void* counted_allocate_aligned(std::size_t size, std::align_val_t align)
    {
        allocations.fetch_add(1, std::memory_order_relaxed);
        const auto a = static_cast<std::size_t>(align);
        const std::size_t rounded = (size + a - 1) / a * a;
        if (void* p = std::aligned_alloc(a, rounded == 0 ? a : rounded)) { return p; }
        throw std::bad_alloc();
    }
}

void* operator new(std::size_t size) { return counted_allocate(size); }
void* operator new[](std::size_t size) { return counted_allocate(size); }
void* operator new(std::size_t size, std::align_val_t align) { return counted_allocate_aligned(size, align); }
void* operator new[](std::size_t size, std::align_val_t align) { return counted_allocate_aligned(size, align); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace xoptim_bench
{
    std::uint64_t allocation_count() noexcept { return allocations.load(std::memory_order_relaxed); }
}

int main(int argc, char** argv)
{
    benchmark::AddCustomContext("xsimd_arch", xsimd::default_arch::name());
    benchmark::AddCustomContext("hardware_threads", std::to_string(std::thread::hardware_concurrency()));
#if defined(__VERSION__)
    benchmark::AddCustomContext("compiler", __VERSION__);
#endif
    xoptim_bench::register_baselines();
    xoptim_bench::register_naive();
    xoptim_bench::register_steps();
    xoptim_bench::register_many();
    xoptim_bench::register_seed();
    xoptim_bench::register_threads();
    xoptim_bench::register_any();
    xoptim_bench::register_lbfgs();
    xoptim_bench::register_checkpoint();
    xoptim_bench::register_adafactor();
    xoptim_bench::register_scalar_math();
#if defined(XOPTIM_BENCH_MUON)
    xoptim_bench::register_muon();
    xoptim_bench::register_shampoo();
#endif

    // A short default minimum time per benchmark, unless the command line sets one.
    std::vector<char*> args(argv, argv + argc);
    std::string min_time_flag = std::string("--benchmark_min_time=") + xoptim_bench::default_min_time;
    if (std::none_of(args.begin(), args.end(),
                     [](const char* a) { return std::string_view(a).starts_with("--benchmark_min_time"); }))
    {
        args.insert(args.begin() + 1, min_time_flag.data());
    }
    int count = static_cast<int>(args.size());
    args.push_back(nullptr);
    benchmark::Initialize(&count, args.data());
    if (benchmark::ReportUnrecognizedArguments(count, args.data())) { return 1; }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
