// libFuzzer target for the checkpoint loader (clang -fsanitize=fuzzer,address,undefined).
//
// Each input is loaded twice into every optimizer type of fuzz_types.hpp: as it is (which
// exercises the envelope checks: size, magic, version, byte order, payload size, checksum),
// and with its payload size and checksum repaired (which lets mutations reach the payload
// parser). A load may only fail with xoptim::checkpoint_error; any other exception, crash,
// leak or sanitizer report is a finding. A successful load must give an optimizer that
// saves to a checkpoint that loads again, byte for byte, and that can take a step.

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

#include <xtensor/xarray.hpp>

#include "fuzz_types.hpp"

namespace
{
    template <class Opt>
    void check_loaded(Opt& opt)
    {
        const auto again = xoptim::to_bytes(opt);
        auto copy = opt;
        xoptim::from_bytes(std::span<const unsigned char>(again), copy);
        if (xoptim::to_bytes(copy) != again) { __builtin_trap(); }

        // The loaded state must fit the parameters its shapes describe.
        using V = typename Opt::value_type;
        for (std::size_t g = 0; g < opt.group_count(); ++g)
        {
            const auto& tensors = opt.groups()[g].tensors;
            std::vector<xt::xarray<V>> params, grads;
            std::size_t total = 0;
            for (const auto& t : tensors)
            {
                std::size_t n = 1;
                for (auto e : t.shape) { n *= e; }
                total += n;
                if (total > (std::size_t(1) << 16)) { return; }  // keep each run fast
                params.push_back(xt::xarray<V>::from_shape(t.shape));
                params.back().fill(V(0.5));
                grads.push_back(xt::xarray<V>::from_shape(t.shape));
                grads.back().fill(V(0.25));
            }
            if (tensors.empty()) { continue; }
            try
            {
                opt.step(g, params, grads);
            }
            catch (const std::domain_error&)
            {
                // A schedule whose rate at the loaded step is not finite (exponential_decay with
                // gamma 10 at step 1000) refuses the step, with nothing changed.
            }
        }
    }

    template <class Make>
    void load_into(Make make, std::span<const unsigned char> bytes)
    {
        auto opt = make();
        try
        {
            xoptim::from_bytes(bytes, opt);
        }
        catch (const xoptim::checkpoint_error&)
        {
            return;
        }
        check_loaded(opt);
    }

    void load_all(std::span<const unsigned char> bytes)
    {
        xoptim_fuzz::for_each_type([&](const char*, auto make) { load_into(make, bytes); });
    }
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::span<const unsigned char> raw(data, size);
    load_all(raw);

    constexpr std::size_t header = xoptim::checkpoint_format::header_size;
    constexpr std::size_t trailer = xoptim::checkpoint_format::trailer_size;
    if (size >= header + trailer)
    {
        std::vector<unsigned char> fixed(data, data + size);
        const std::uint64_t payload = size - header - trailer;
        for (int i = 0; i < 8; ++i)
        {
            fixed[16 + static_cast<std::size_t>(i)] = static_cast<unsigned char>(payload >> (8 * i));
        }
        // The checksum of the version the bytes claim (the current one's for any other).
        std::uint32_t version = 0;
        for (int i = 0; i < 4; ++i) { version |= std::uint32_t(fixed[8 + static_cast<std::size_t>(i)]) << (8 * i); }
        if (version < xoptim::checkpoint_format::oldest_readable_version
            || version > xoptim::checkpoint_format::version)
        {
            version = xoptim::checkpoint_format::version;
        }
        const std::uint64_t h = xoptim::checkpoint_format::checksum(version, fixed.data(), size - trailer);
        for (int i = 0; i < 8; ++i)
        {
            fixed[size - trailer + static_cast<std::size_t>(i)] = static_cast<unsigned char>(h >> (8 * i));
        }
        load_all(fixed);
    }
    return 0;
}
