#pragma once
// Little-endian byte encoding for checkpoints, written out byte by byte so that a file means
// the same on every host; the checksums (XXH3-64 from format 3 on, FNV-1a 64 before); a
// bounded reader that never reads past the end and names what it was reading when the bytes
// run out.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

// XXH3 from Debian's libxxhash-dev, compiled into the including unit (no library to link).
#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#define XOPTIM_DEFINED_XXH_INLINE_ALL
#endif
#include <xxhash.h>
#ifdef XOPTIM_DEFINED_XXH_INLINE_ALL
#undef XXH_INLINE_ALL
#undef XOPTIM_DEFINED_XXH_INLINE_ALL
#endif

namespace xoptim
{
    namespace detail
    {
        // std::bit_cast where the standard library has it; the compiler builtin it is made of
        // where it has not (libc++ 14, Emscripten 3.1.6's).
        template <class To, class From>
        constexpr To bit_cast(const From& from) noexcept
        {
#if defined(__cpp_lib_bit_cast)
            return std::bit_cast<To>(from);
#else
            static_assert(sizeof(To) == sizeof(From));
            return __builtin_bit_cast(To, from);
#endif
        }
    }

    // Every way a checkpoint can fail to save or load: the message says what was expected and
    // what was found. When it is thrown the optimizer, the parameters and the file are unchanged.
    class checkpoint_error : public std::runtime_error
    {
    public:
        explicit checkpoint_error(const std::string& what) : std::runtime_error("xoptim checkpoint: " + what) {}
    };

    namespace detail::ckpt
    {
        // FNV-1a, 64-bit (Fowler, Noll, Vo): offset basis and prime from the published parameters.
        inline constexpr std::uint64_t fnv_offset = 14695981039346656037ull;
        inline constexpr std::uint64_t fnv_prime = 1099511628211ull;

        inline std::uint64_t fnv1a64(const unsigned char* data, std::size_t n, std::uint64_t h = fnv_offset) noexcept
        {
            for (std::size_t i = 0; i < n; ++i)
            {
                h ^= data[i];
                h *= fnv_prime;
            }
            return h;
        }

        // XXH3-64 (Collet) with seed 0, the checksum of format 3 and later.
        inline std::uint64_t xxh3_64(const unsigned char* data, std::size_t n) noexcept
        {
            return static_cast<std::uint64_t>(XXH3_64bits(data, n));
        }

        inline std::string hex(std::uint64_t v, int digits)
        {
            static constexpr char d[] = "0123456789abcdef";
            std::string s(static_cast<std::size_t>(digits), '0');
            for (int i = digits - 1; i >= 0; --i, v >>= 4) { s[static_cast<std::size_t>(i)] = d[v & 0xF]; }
            return "0x" + s;
        }

        class writer
        {
        public:
            void u8(std::uint8_t v) { m_buf.push_back(v); }
            void u32(std::uint32_t v)
            {
                for (int i = 0; i < 4; ++i) { m_buf.push_back(static_cast<unsigned char>(v >> (8 * i))); }
            }
            void u64(std::uint64_t v)
            {
                for (int i = 0; i < 8; ++i) { m_buf.push_back(static_cast<unsigned char>(v >> (8 * i))); }
            }
            void bytes(const void* p, std::size_t n)
            {
                const auto* b = static_cast<const unsigned char*>(p);
                m_buf.insert(m_buf.end(), b, b + n);
            }
            void str(std::string_view s)
            {
                u32(static_cast<std::uint32_t>(s.size()));
                bytes(s.data(), s.size());
            }
            // Floating-point values by their IEEE-754 bits, little-endian.
            template <class V>
            void value(V v)
            {
                if constexpr (std::is_same_v<V, float>) { u32(xoptim::detail::bit_cast<std::uint32_t>(v)); }
                else { u64(xoptim::detail::bit_cast<std::uint64_t>(v)); }
            }
            // n values from an iterator (row-major order of a tensor).
            template <class V, class It>
            void values(It first, std::size_t n)
            {
                m_buf.reserve(m_buf.size() + n * sizeof(V));
                for (std::size_t i = 0; i < n; ++i, ++first) { value<V>(static_cast<V>(*first)); }
            }
            void patch_u64(std::size_t at, std::uint64_t v)
            {
                for (int i = 0; i < 8; ++i)
                {
                    m_buf[at + static_cast<std::size_t>(i)] = static_cast<unsigned char>(v >> (8 * i));
                }
            }
            std::size_t size() const noexcept { return m_buf.size(); }
            std::vector<unsigned char>& buffer() noexcept { return m_buf; }

        private:
            std::vector<unsigned char> m_buf;
        };

        class reader
        {
        public:
            explicit reader(std::span<const unsigned char> data) noexcept : m_data(data) {}

            std::size_t offset() const noexcept { return m_pos; }
            std::size_t remaining() const noexcept { return m_data.size() - m_pos; }

            void need(std::size_t n, const std::string& what) const
            {
                if (n > remaining())
                {
                    throw checkpoint_error("truncated: " + what + " needs " + std::to_string(n) + " bytes at offset "
                                           + std::to_string(m_pos) + ", found " + std::to_string(remaining()));
                }
            }
            std::uint8_t u8(const std::string& what)
            {
                need(1, what);
                return m_data[m_pos++];
            }
            std::uint32_t u32(const std::string& what)
            {
                need(4, what);
                std::uint32_t v = 0;
                for (int i = 0; i < 4; ++i) { v |= std::uint32_t(m_data[m_pos++]) << (8 * i); }
                return v;
            }
            std::uint64_t u64(const std::string& what)
            {
                need(8, what);
                std::uint64_t v = 0;
                for (int i = 0; i < 8; ++i) { v |= std::uint64_t(m_data[m_pos++]) << (8 * i); }
                return v;
            }
            std::string str(const std::string& what, std::size_t max_len)
            {
                const std::uint32_t n = u32(what + " length");
                if (n > max_len)
                {
                    throw checkpoint_error(what + " length: expected at most " + std::to_string(max_len) + ", found "
                                           + std::to_string(n));
                }
                need(n, what);
                std::string s(reinterpret_cast<const char*>(m_data.data() + m_pos), n);
                m_pos += n;
                return s;
            }
            template <class V>
            V value(const std::string& what)
            {
                if constexpr (std::is_same_v<V, float>) { return xoptim::detail::bit_cast<float>(u32(what)); }
                else { return xoptim::detail::bit_cast<double>(u64(what)); }
            }

        private:
            std::span<const unsigned char> m_data;
            std::size_t m_pos = 0;
        };
    }
}
