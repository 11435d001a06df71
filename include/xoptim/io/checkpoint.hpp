#pragma once
// Checkpoints: an optimizer's whole state (kind, hyperparameters of every group, step counts,
// every slot of every tensor) and optionally the parameters, in a versioned little-endian
// binary format with a checksum (docs/reliability.md gives the layout), with a record of what
// the state was made on (checkpoint_identity: a tag and the parameters' names).
//
//   save_checkpoint(path, opt [, params] [, identity])   writes atomically: temporary file,
//                                                        fsync, rename
//   load_checkpoint(path, opt [, params] [, identity])   validates everything (the identity
//                                                        against the file's), then changes
//   to_bytes(opt [, params] [, identity]) / from_bytes(bytes, opt [, params] [, identity])
//                                                        the same, in memory
//   read_checkpoint_identity(path) / checkpoint_identity_of(bytes)   what a file records
//
// `params` is one tensor or a range of tensors (std::vector<xt::xtensor<...>>, ...).
// Every failure throws checkpoint_error saying what was expected and what was found; the
// optimizer, the parameters and any existing file are then exactly as they were.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <xtensor/xlayout.hpp>

#include "../core/finite.hpp"
#include "../core/optimizer.hpp"
#include "../core/validate.hpp"
#include "atomic_file.hpp"
#include "bytes.hpp"
#include "reflect.hpp"

namespace xoptim
{
    namespace checkpoint_format
    {
        inline constexpr char magic[8] = {'X', 'O', 'P', 'T', 'C', 'K', 'P', 'T'};
        // Version 3 records what the state was made on (a tag and the parameters' names) and
        // seals the file with XXH3-64; version 2 stored each hyperparameter with its name,
        // version 1 by position, both sealed with FNV-1a 64. Every version is still read.
        inline constexpr std::uint32_t version = 3;
        inline constexpr std::uint32_t oldest_readable_version = 1;
        inline constexpr std::uint32_t first_with_identity = 3;
        // Written little-endian: the bytes 0d 0c 0b 0a on disk.
        inline constexpr std::uint32_t byte_order_mark = 0x0A0B0C0Du;
        inline constexpr std::size_t header_size = 24;  // magic, version, byte order, payload size
        inline constexpr std::size_t trailer_size = 8;  // checksum of every byte before it
        inline constexpr std::uint8_t flag_parameters = 0x01;

        // Bounds applied to sizes read from a file before anything is allocated.
        inline constexpr std::size_t max_kind_length = 4096;
        inline constexpr std::uint32_t max_groups = 1u << 20;
        inline constexpr std::uint32_t max_rank = 32;
        inline constexpr std::uint64_t max_extent = std::uint64_t(1) << 40;
        inline constexpr std::uint32_t max_fields = 4096;
        inline constexpr std::size_t max_name_length = 256;
        inline constexpr std::size_t max_tag_length = 4096;
        inline constexpr std::uint32_t max_parameter_names = 1u << 24;
        inline constexpr std::size_t max_parameter_name_length = 1024;

        // The checksum a file of this version carries, and its name in messages.
        inline std::uint64_t checksum(std::uint32_t v, const unsigned char* data, std::size_t n) noexcept
        {
            return v >= 3 ? detail::ckpt::xxh3_64(data, n) : detail::ckpt::fnv1a64(data, n);
        }
        inline const char* checksum_name(std::uint32_t v) noexcept { return v >= 3 ? "XXH3-64" : "FNV-1a 64"; }
    }

    // What a checkpoint's state was made on: a tag naming the problem, model or run (any
    // text up to 4096 bytes) and the parameters' names in order (one per saved parameter when
    // parameters are saved). Given to a save, it is recorded; given to a load, each part it
    // sets (a non-empty tag, a non-empty list of names) must equal the file's, or the load is
    // refused naming both. A file that records none (format 1 or 2, or saved without one)
    // loads as before.
    struct checkpoint_identity
    {
        std::string tag = {};
        std::vector<std::string> names = {};

        bool empty() const noexcept { return tag.empty() && names.empty(); }
        bool operator==(const checkpoint_identity&) const = default;
    };

    namespace detail::ckpt
    {
        // Stands for "no parameters" in the loader.
        struct no_params
        {};

        // Parameters as a list: one tensor, or a range of them.
        template <class P>
        concept single_tensor = requires(const P& p)
        {
            p.shape();
            p.size();
            typename P::value_type;
        };

        // Parameters are anything but an identity (which has overloads of its own).
        template <class P>
        concept parameters = !std::is_same_v<std::remove_cvref_t<P>, checkpoint_identity>;

        template <class P, class F>
        void for_each_param(P& params, F&& f)
        {
            if constexpr (std::is_same_v<std::remove_cv_t<P>, no_params>) {}
            else if constexpr (single_tensor<std::remove_cv_t<P>>) { f(std::size_t{0}, params); }
            else
            {
                std::size_t k = 0;
                for (auto& p : params) { f(k++, p); }
            }
        }

        template <class P>
        std::size_t param_count(const P& params)
        {
            if constexpr (std::is_same_v<P, no_params>) { return 0; }
            else if constexpr (single_tensor<P>) { return 1; }
            else { return static_cast<std::size_t>(std::size(params)); }
        }

        template <class V>
        constexpr std::uint8_t element_tag = field_tag<V>();

        inline std::string with_index(const char* what, std::size_t i)
        {
            return what + std::string(" ") + std::to_string(i);
        }

        template <class V, class It>
        std::string check_finite_values(It it, std::size_t n)
        {
            for (std::size_t i = 0; i < n; ++i, ++it)
            {
                const V v = static_cast<V>(*it);
                if (!(v - v == v - v)) { return "element " + std::to_string(i) + " is " + (v != v ? "nan" : "inf"); }
            }
            return {};
        }

        template <class S>
        void write_shape(writer& w, const S& shape)
        {
            w.u32(static_cast<std::uint32_t>(shape.size()));
            for (auto d : shape) { w.u64(static_cast<std::uint64_t>(d)); }
        }

        // Reads a shape, bounding rank and extents, and returns it with its element count. With
        // values_follow, also checks that count * element_size bytes are still in the input (a
        // parameter's values always follow its shape; a tensor's state may have no slot in use).
        // The count is the product of all extents (a zero extent anywhere makes it 0), checked
        // for overflow.
        // A step or skip count, at most max_step_count (core/step_info.hpp).
        inline std::uint64_t read_count(reader& r, const std::string& what)
        {
            const std::uint64_t n = r.u64(what);
            if (n > max_step_count)
            {
                throw checkpoint_error(what + ": expected at most " + std::to_string(max_step_count) + " (2^53), found "
                                       + std::to_string(n));
            }
            return n;
        }

        inline std::vector<std::size_t> read_shape(reader& r, const std::string& what, std::size_t element_size,
                                                   std::size_t& count, bool values_follow = true)
        {
            const std::uint32_t rank = r.u32(what + " rank");
            if (rank > checkpoint_format::max_rank)
            {
                throw checkpoint_error(what + " rank: expected at most " + std::to_string(checkpoint_format::max_rank)
                                       + ", found " + std::to_string(rank));
            }
            r.need(std::size_t(rank) * 8, what + " shape");
            std::vector<std::size_t> shape(rank);
            for (std::uint32_t d = 0; d < rank; ++d)
            {
                const std::uint64_t e = r.u64(what + " shape");
                if (e > checkpoint_format::max_extent)
                {
                    throw checkpoint_error(what + " extent " + std::to_string(d) + ": expected at most "
                                           + std::to_string(checkpoint_format::max_extent) + ", found "
                                           + std::to_string(e));
                }
                shape[d] = static_cast<std::size_t>(e);
            }
            const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() / element_size;
            std::uint64_t n = 1;
            bool zero = false;
            for (const auto e : shape) { zero = zero || e == 0; }
            if (zero) { n = 0; }
            for (std::size_t d = 0; d < shape.size() && !zero; ++d)
            {
                if (n > limit / shape[d])
                {
                    throw checkpoint_error(
                        what + " shape " + xoptim::detail::shape_string(shape)
                        + ": expected an element count that fits in memory, found one that overflows");
                }
                n *= shape[d];
            }
            if (values_follow && n > r.remaining() / element_size)
            {
                throw checkpoint_error("truncated: " + what + " of shape " + xoptim::detail::shape_string(shape)
                                       + " needs " + std::to_string(n * element_size) + " bytes, but "
                                       + std::to_string(r.remaining()) + " are left at offset "
                                       + std::to_string(r.offset()));
            }
            count = static_cast<std::size_t>(n);
            return shape;
        }

        inline std::string shape_text(const std::vector<std::size_t>& s) { return xoptim::detail::shape_string(s); }

        template <class Opt>
        void write_payload(writer& w, const Opt& opt, bool with_params)
        {
            using Chain = typename Opt::rule_type;
            using V = typename Opt::value_type;
            w.str(kind_of<Chain>());
            w.u8(element_tag<V>);
            w.u8(with_params ? checkpoint_format::flag_parameters : 0);
            w.u32(static_cast<std::uint32_t>(opt.group_count()));
            for (std::size_t g = 0; g < opt.group_count(); ++g)
            {
                const auto& grp = opt.groups()[g];
                w.u64(grp.step);
                w.u64(grp.skipped);
                struct field
                {
                    std::string name;
                    std::uint8_t tag;
                    std::uint64_t bits;
                };
                std::vector<field> fields;
                walk_chain_stored(grp.rule, [&](const std::string& path, const auto& x, std::uint32_t) {
                    if (!field_finite(x))
                    {
                        throw checkpoint_error("group " + std::to_string(g) + " hyperparameter " + path
                                               + ": expected a finite number, found a non-finite one");
                    }
                    fields.push_back({path, field_tag<std::remove_cvref_t<decltype(x)>>(), field_bits(x)});
                });
                w.u32(static_cast<std::uint32_t>(fields.size()));
                for (const auto& f : fields)
                {
                    w.str(f.name);
                    w.u8(f.tag);
                    w.u64(f.bits);
                }
                if constexpr (Chain::has_group_state) { write_group_state(w, grp.group_state, g); }
                w.u64(grp.tensors.size());
                for (std::size_t t = 0; t < grp.tensors.size(); ++t)
                {
                    const auto& st = grp.tensors[t];
                    write_shape(w, st.shape);
                    w.u64(st.lag);
                    w.u32(static_cast<std::uint32_t>(st.slots.size()));
                    for (std::size_t s = 0; s < st.slots.size(); ++s)
                    {
                        const bool active = xoptim::detail::slot_in_use(grp.rule, s, st.shape.size());
                        w.u8(active ? 1 : 0);
                        if (!active) { continue; }
                        const auto& slot = st.slots[s];
                        const std::string bad = check_finite_values<V>(slot.data(), slot.size());
                        if (!bad.empty())
                        {
                            throw checkpoint_error("group " + std::to_string(g) + " tensor " + std::to_string(t)
                                                   + " slot " + std::to_string(s) + ": expected finite values, " + bad
                                                   + " (the checkpoint was not written)");
                        }
                        w.values<V>(slot.data(), slot.size());
                    }
                }
            }
        }

        // A chain's group state (core/group_state.hpp), only for a chain that keeps one: its
        // numbers by name, as the hyperparameters are stored (count, then name, tag, bits).
        template <class S>
        void write_group_state(writer& w, const S& gs, std::size_t g)
        {
            std::uint32_t n = 0;
            S::each(gs, [&](std::string_view, const auto&) { ++n; });
            w.u32(n);
            S::each(gs, [&](std::string_view name, const auto& x) {
                if (!field_finite(x))
                {
                    throw checkpoint_error("group " + std::to_string(g) + " running state " + std::string(name)
                                           + ": expected a finite number, found a non-finite one");
                }
                w.str(name);
                w.u8(field_tag<std::remove_cvref_t<decltype(x)>>());
                w.u64(field_bits(x));
            });
        }

        template <class S>
        void read_group_state(reader& r, S& gs, const std::string& gname)
        {
            const std::string what = gname + " running state";
            read_named_fields(r, what, [&](auto&& leaf) {
                S::each(gs, [&](std::string_view name, auto& x) { leaf(std::string(name), x, std::uint32_t{2}); });
            });
            S::each(gs, [&](std::string_view name, const auto& x) {
                if (!field_finite(x))
                {
                    throw checkpoint_error(what + " " + std::string(name) + ": expected a finite number");
                }
            });
        }

        template <class Opt, class Params>
        void write_params(writer& w, const Params& params)
        {
            using V = typename Opt::value_type;
            w.u64(param_count(params));
            for_each_param(params, [&](std::size_t k, const auto& p) {
                static_assert(std::is_same_v<std::remove_cv_t<typename std::decay_t<decltype(p)>::value_type>, V>,
                              "xoptim checkpoint: parameters must have the optimizer's value type");
                const std::string bad =
                    check_finite_values<V>(p.template cbegin<xt::layout_type::row_major>(), p.size());
                if (!bad.empty())
                {
                    throw checkpoint_error("parameter " + std::to_string(k) + ": expected finite values, " + bad
                                           + " (the checkpoint was not written)");
                }
                write_shape(w, p.shape());
                w.values<V>(p.template cbegin<xt::layout_type::row_major>(), p.size());
            });
        }

        inline std::vector<unsigned char> seal(writer& w, std::size_t payload_at)
        {
            w.patch_u64(payload_at - 8, w.size() - payload_at);
            w.u64(checkpoint_format::checksum(checkpoint_format::version, w.buffer().data(), w.size()));
            return std::move(w.buffer());
        }

        // The identity's sizes, checked before anything is written.
        inline void check_identity_sizes(const checkpoint_identity& id)
        {
            namespace fmt = checkpoint_format;
            if (id.tag.size() > fmt::max_tag_length)
            {
                throw checkpoint_error("identity tag: expected at most " + std::to_string(fmt::max_tag_length)
                                       + " bytes, found " + std::to_string(id.tag.size())
                                       + " (the checkpoint was not written)");
            }
            if (id.names.size() > fmt::max_parameter_names)
            {
                throw checkpoint_error("identity names: expected at most " + std::to_string(fmt::max_parameter_names)
                                       + ", found " + std::to_string(id.names.size())
                                       + " (the checkpoint was not written)");
            }
            for (std::size_t k = 0; k < id.names.size(); ++k)
            {
                if (id.names[k].size() > fmt::max_parameter_name_length)
                {
                    throw checkpoint_error("identity name " + std::to_string(k) + ": expected at most "
                                           + std::to_string(fmt::max_parameter_name_length) + " bytes, found "
                                           + std::to_string(id.names[k].size()) + " (the checkpoint was not written)");
                }
            }
        }

        // With parameters saved, the names (if any) name each of them.
        inline void check_identity_names(const checkpoint_identity& id, std::size_t params)
        {
            if (!id.names.empty() && id.names.size() != params)
            {
                throw checkpoint_error("identity names: expected " + std::to_string(params)
                                       + " (one per parameter saved), found " + std::to_string(id.names.size())
                                       + " (the checkpoint was not written)");
            }
        }

        // The header (its payload size patched by seal()), then the payload's first part: the
        // identity (str tag, u32 name count, each str name).
        inline std::size_t begin_file(writer& w, const checkpoint_identity& id = {})
        {
            check_identity_sizes(id);
            w.bytes(checkpoint_format::magic, sizeof checkpoint_format::magic);
            w.u32(checkpoint_format::version);
            w.u32(checkpoint_format::byte_order_mark);
            w.u64(0);
            const std::size_t payload_at = w.size();
            w.str(id.tag);
            w.u32(static_cast<std::uint32_t>(id.names.size()));
            for (const auto& n : id.names) { w.str(n); }
            return payload_at;
        }

        // A file's payload, past its identity.
        struct payload
        {
            reader r;
            std::uint32_t version = 0;
            checkpoint_identity identity;  // empty before format 3
        };

        inline std::string quoted_names(const std::vector<std::string>& names)
        {
            if (names.empty()) { return "none"; }
            std::string s = "(";
            const std::size_t shown = std::min<std::size_t>(names.size(), 8);
            for (std::size_t k = 0; k < shown; ++k) { s += (k ? ", " : "") + names[k]; }
            if (shown < names.size()) { s += ", ... " + std::to_string(names.size()) + " in all"; }
            return s + ")";
        }

        // Each part of `expected` that is set must equal the file's, when the file records one.
        inline void check_identity(const checkpoint_identity& saved, const checkpoint_identity* expected)
        {
            if (expected == nullptr || saved.empty()) { return; }
            if (!expected->tag.empty() && saved.tag != expected->tag)
            {
                throw checkpoint_error("made on \"" + saved.tag + "\", expected \"" + expected->tag + "\"");
            }
            if (!expected->names.empty() && saved.names != expected->names)
            {
                std::string first;
                for (std::size_t k = 0; k < std::min(saved.names.size(), expected->names.size()) && first.empty(); ++k)
                {
                    if (saved.names[k] != expected->names[k])
                    {
                        first = "; parameter " + std::to_string(k) + " is \"" + saved.names[k] + "\", expected \""
                                + expected->names[k] + "\"";
                    }
                }
                throw checkpoint_error("parameter names: made on " + quoted_names(saved.names) + ", expected "
                                       + quoted_names(expected->names) + first);
            }
        }

        inline checkpoint_identity read_identity(reader& r)
        {
            namespace fmt = checkpoint_format;
            checkpoint_identity id;
            id.tag = r.str("identity tag", fmt::max_tag_length);
            const std::uint32_t n = r.u32("identity name count");
            // A name takes at least its 4-byte length.
            if (n > fmt::max_parameter_names || n > r.remaining() / 4)
            {
                throw checkpoint_error(
                    "identity name count: expected at most "
                    + std::to_string(std::min<std::size_t>(fmt::max_parameter_names, r.remaining() / 4)) + ", found "
                    + std::to_string(n));
            }
            id.names.reserve(n);
            for (std::uint32_t k = 0; k < n; ++k)
            {
                id.names.push_back(r.str("identity name " + std::to_string(k), fmt::max_parameter_name_length));
            }
            return id;
        }

        // Checks the envelope (size, magic, version, byte order, payload size, checksum) and
        // returns a reader over the payload.
        inline reader open_envelope(std::span<const unsigned char> bytes, std::uint32_t& version_found)
        {
            namespace fmt = checkpoint_format;
            if (bytes.size() < fmt::header_size + fmt::trailer_size)
            {
                throw checkpoint_error("file size: expected at least "
                                       + std::to_string(fmt::header_size + fmt::trailer_size) + " bytes, found "
                                       + std::to_string(bytes.size()));
            }
            reader h(bytes.first(fmt::header_size));
            std::uint64_t found_magic = 0, want_magic = 0;
            for (int i = 0; i < 8; ++i)
            {
                found_magic = (found_magic << 8) | bytes[static_cast<std::size_t>(i)];
                want_magic = (want_magic << 8) | static_cast<unsigned char>(fmt::magic[i]);
            }
            if (found_magic != want_magic)
            {
                throw checkpoint_error("not an xoptim checkpoint (magic: expected " + hex(want_magic, 16)
                                       + " \"XOPTCKPT\", found " + hex(found_magic, 16) + ")");
            }
            h.u64("magic");
            const std::uint32_t v = h.u32("format version");
            if (v < fmt::oldest_readable_version || v > fmt::version)
            {
                throw checkpoint_error("format version: expected " + std::to_string(fmt::oldest_readable_version)
                                       + " to " + std::to_string(fmt::version) + ", found " + std::to_string(v));
            }
            version_found = v;
            const std::uint32_t bom = h.u32("byte order");
            if (bom != fmt::byte_order_mark)
            {
                throw checkpoint_error("byte order mark: expected " + hex(fmt::byte_order_mark, 8)
                                       + " (little-endian), found " + hex(bom, 8));
            }
            const std::uint64_t payload = h.u64("payload size");
            const std::uint64_t have = bytes.size() - fmt::header_size - fmt::trailer_size;
            if (payload != have)
            {
                throw checkpoint_error("payload size: the header says " + std::to_string(payload)
                                       + " bytes, the file holds " + std::to_string(have));
            }
            const std::size_t body = bytes.size() - fmt::trailer_size;
            reader t(bytes.subspan(body));
            const std::uint64_t stored = t.u64("checksum");
            const std::uint64_t computed = fmt::checksum(v, bytes.data(), body);
            if (stored != computed)
            {
                throw checkpoint_error(std::string("checksum (") + fmt::checksum_name(v) + "): expected "
                                       + hex(computed, 16) + " for the contents, found " + hex(stored, 16)
                                       + " (the file is corrupt)");
            }
            return reader(bytes.subspan(fmt::header_size, static_cast<std::size_t>(payload)));
        }

        // The envelope checked, the identity read (format 3 on) and checked against `expected`
        // (when given): the rest of the payload.
        inline payload open_payload(std::span<const unsigned char> bytes, const checkpoint_identity* expected = nullptr)
        {
            std::uint32_t version = 0;
            reader r = open_envelope(bytes, version);
            checkpoint_identity id;
            if (version >= checkpoint_format::first_with_identity) { id = read_identity(r); }
            check_identity(id, expected);
            return payload{r, version, std::move(id)};
        }

        // A parameter read from a file, waiting to be copied into the caller's tensor.
        template <class V>
        struct staged_param
        {
            std::vector<std::size_t> shape;
            std::vector<V> values;
        };

        // n values of V into out, each checked finite; `what` names them in errors.
        template <class V>
        void read_finite_values(reader& r, const std::string& what, std::size_t n, V* out)
        {
            r.need(n * sizeof(V), what + " values");
            for (std::size_t i = 0; i < n; ++i)
            {
                const V v = r.value<V>(what);
                if (!(v - v == v - v))
                {
                    throw checkpoint_error(what + ": expected finite values, element " + std::to_string(i) + " is "
                                           + (v != v ? "nan" : "inf"));
                }
                out[i] = v;
            }
        }

        // The parameter section (u64 count, then each: shape, values), checked: the count
        // against the caller's parameters (when given) and the names the file records (when
        // it records any), the values finite. check_param_shapes and commit_params follow.
        template <class V, class Params>
        std::vector<staged_param<V>> read_params(reader& r, const Params* params, const checkpoint_identity& saved)
        {
            const std::uint64_t np = r.u64("parameter count");
            if (np > r.remaining() / 4)
            {
                throw checkpoint_error("parameter count: expected at most " + std::to_string(r.remaining() / 4)
                                       + " in the bytes left, found " + std::to_string(np));
            }
            if (params != nullptr && np != param_count(*params))
            {
                throw checkpoint_error("parameter count: expected " + std::to_string(param_count(*params)) + ", found "
                                       + std::to_string(np));
            }
            if (!saved.names.empty() && np != saved.names.size())
            {
                throw checkpoint_error("parameter count: expected " + std::to_string(saved.names.size())
                                       + " (the names the file records), found " + std::to_string(np));
            }
            std::vector<staged_param<V>> staged(static_cast<std::size_t>(np));
            for (std::size_t k = 0; k < staged.size(); ++k)
            {
                const std::string pname = "parameter " + std::to_string(k);
                std::size_t count = 0;
                staged[k].shape = read_shape(r, pname, sizeof(V), count);
                staged[k].values.resize(count);
                read_finite_values<V>(r, pname, count, staged[k].values.data());
            }
            return staged;
        }

        // The caller's parameters have the staged shapes.
        template <class V, class Params>
        void check_param_shapes(const Params& params, const std::vector<staged_param<V>>& staged)
        {
            for_each_param(params, [&](std::size_t k, const auto& p) {
                static_assert(std::is_same_v<std::remove_cv_t<typename std::decay_t<decltype(p)>::value_type>, V>,
                              "xoptim checkpoint: parameters must have the optimizer's value type");
                if (!xoptim::detail::same_shape(p.shape(), staged[k].shape))
                {
                    throw checkpoint_error("parameter " + std::to_string(k) + " shape: expected "
                                           + xoptim::detail::shape_string(p.shape()) + ", found "
                                           + shape_text(staged[k].shape));
                }
            });
        }

        // Copies the staged values into the parameters (checked by check_param_shapes).
        template <class V, class Params>
        void commit_params(Params& params, const std::vector<staged_param<V>>& staged)
        {
            for_each_param(params, [&](std::size_t k, auto& p) {
                std::copy(staged[k].values.begin(), staged[k].values.end(),
                          p.template begin<xt::layout_type::row_major>());
            });
        }

        // One hyperparameter's tag and bits into field x, or the error naming it.
        template <class T>
        void decode_field(T& x, std::uint8_t tag, std::uint64_t bits, const std::string& what)
        {
            if (tag != field_tag<T>())
            {
                throw checkpoint_error(what + " type: expected " + tag_name(field_tag<T>()) + ", found "
                                       + tag_name(tag));
            }
            const std::string err = field_from_bits(x, bits);
            if (!err.empty()) { throw checkpoint_error(what + ": " + err); }
        }

        // Format version 1: the hyperparameters it stored, by position.
        template <class Chain>
        void read_fields_v1(reader& r, Chain& rule, const std::string& gname)
        {
            std::size_t want_fields = 0;
            walk_chain_v1(rule, [&](const std::string&, const auto&) { ++want_fields; });
            const std::uint32_t nfields = r.u32(gname + " hyperparameter count");
            if (nfields != want_fields)
            {
                throw checkpoint_error(gname + " hyperparameter count: expected " + std::to_string(want_fields)
                                       + ", found " + std::to_string(nfields));
            }
            r.need(std::size_t(nfields) * 9, gname + " hyperparameters");
            walk_chain_v1(rule, [&](const std::string& path, auto& x) {
                const std::string what = gname + " hyperparameter " + path;
                const std::uint8_t tag = r.u8(what);
                const std::uint64_t bits = r.u64(what);
                decode_field(x, tag, bits, what);
            });
        }

        // Format version 2: hyperparameters by name. A name the chain does not declare, or one
        // given twice, is an error; a declared one the file lacks (added after the file was
        // written) keeps the value of the optimizer being loaded into.
        // walk(leaf) calls leaf(name, field&, since) for every stored hyperparameter of the
        // optimizer being loaded into.
        template <class Walk>
        void read_named_fields(reader& r, const std::string& gname, Walk&& walk)
        {
            const std::uint32_t nfields = r.u32(gname + " hyperparameter count");
            if (nfields > checkpoint_format::max_fields || std::size_t(nfields) * 13 > r.remaining())
            {
                throw checkpoint_error(
                    gname + " hyperparameter count: expected at most "
                    + std::to_string(std::min<std::size_t>(checkpoint_format::max_fields, r.remaining() / 13))
                    + ", found " + std::to_string(nfields));
            }
            struct stored
            {
                std::string name;
                std::uint8_t tag;
                std::uint64_t bits;
                bool used = false;
            };
            std::vector<stored> found;
            found.reserve(nfields);
            for (std::uint32_t i = 0; i < nfields; ++i)
            {
                const std::string what = gname + " hyperparameter " + std::to_string(i);
                stored f;
                f.name = r.str(what + " name", checkpoint_format::max_name_length);
                f.tag = r.u8(what + " (" + f.name + ") type");
                f.bits = r.u64(what + " (" + f.name + ") value");
                for (const auto& o : found)
                {
                    if (o.name == f.name)
                    {
                        throw checkpoint_error(gname + " hyperparameter " + f.name + ": stored twice");
                    }
                }
                found.push_back(std::move(f));
            }
            std::vector<std::string> declared;
            walk([&](const std::string& path, auto& x, std::uint32_t) {
                declared.push_back(path);
                for (auto& f : found)
                {
                    if (f.name == path)
                    {
                        decode_field(x, f.tag, f.bits, gname + " hyperparameter " + path);
                        f.used = true;
                    }
                }
            });
            for (const auto& f : found)
            {
                if (!f.used)
                {
                    throw checkpoint_error(gname + " hyperparameter " + f.name
                                           + ": not a hyperparameter of this optimizer (it has "
                                           + xoptim::detail::names_text(declared) + ")");
                }
            }
        }

        template <class Chain>
        void read_fields_by_name(reader& r, Chain& rule, const std::string& gname)
        {
            read_named_fields(r, gname, [&](auto&& leaf) { walk_chain_stored(rule, leaf); });
        }

        // The payload's kind, element type and flags, checked against the optimizer being loaded
        // into; returns whether parameters follow (required when want_params).
        template <class V>
        bool read_kind_and_flags(reader& r, const std::string& want_kind, bool want_params)
        {
            const std::string kind = r.str("optimizer kind", checkpoint_format::max_kind_length);
            if (kind != want_kind)
            {
                throw checkpoint_error("optimizer kind: expected \"" + want_kind + "\", found \"" + kind + "\"");
            }
            const std::uint8_t etag = r.u8("element type");
            if (etag != element_tag<V>)
            {
                throw checkpoint_error("element type: expected " + tag_name(element_tag<V>) + ", found "
                                       + tag_name(etag));
            }
            const std::uint8_t flags = r.u8("flags");
            if ((flags & ~checkpoint_format::flag_parameters) != 0)
            {
                throw checkpoint_error("flags: expected only " + hex(checkpoint_format::flag_parameters, 2)
                                       + " to be possible, found " + hex(flags, 2));
            }
            const bool has_params = (flags & checkpoint_format::flag_parameters) != 0;
            if (want_params && !has_params)
            {
                throw checkpoint_error("parameters: expected the checkpoint to hold them, found none");
            }
            return has_params;
        }

        template <class Opt, class Params>
        void read_into(std::span<const unsigned char> bytes, Opt& opt, Params* params,
                       const checkpoint_identity* expected)
        {
            using Chain = typename Opt::rule_type;
            using V = typename Opt::value_type;
            using group_type = typename Opt::group_type;
            using state_type = typename Opt::state_type;

            payload file = open_payload(bytes, expected);
            reader& r = file.r;
            const std::uint32_t file_version = file.version;

            const bool has_params = read_kind_and_flags<V>(r, kind_of<Chain>(), params != nullptr);
            const std::uint32_t groups = r.u32("group count");
            if (groups != opt.group_count())
            {
                throw checkpoint_error("group count: expected " + std::to_string(opt.group_count()) + ", found "
                                       + std::to_string(groups));
            }

            std::vector<group_type> staged;
            staged.reserve(groups);
            for (std::size_t g = 0; g < groups; ++g)
            {
                const std::string gname = "group " + std::to_string(g);
                group_type grp{opt.groups()[g].rule, 0, {}, 0, {}, {}};
                grp.step = read_count(r, gname + " step count");
                grp.skipped = read_count(r, gname + " skipped count");

                if (file_version == 1) { read_fields_v1(r, grp.rule, gname); }
                else { read_fields_by_name(r, grp.rule, gname); }
                if constexpr (Chain::has_group_state) { read_group_state(r, grp.group_state, gname); }
                try
                {
                    grp.rule.template validate<V>(opt.name());
                }
                catch (const std::invalid_argument& e)
                {
                    throw checkpoint_error(gname + " hyperparameters: " + e.what());
                }

                const std::uint64_t ntensors = r.u64(gname + " tensor count");
                // A tensor takes at least 8 bytes (rank and slot count).
                if (ntensors > r.remaining() / 8)
                {
                    throw checkpoint_error(gname + " tensor count: expected at most "
                                           + std::to_string(r.remaining() / 8) + " in the bytes left, found "
                                           + std::to_string(ntensors));
                }
                grp.tensors.reserve(static_cast<std::size_t>(ntensors));
                for (std::size_t t = 0; t < ntensors; ++t)
                {
                    const std::string tname = gname + " tensor " + std::to_string(t);
                    std::size_t count = 0;
                    state_type st;
                    st.shape = read_shape(r, tname, sizeof(V), count, false);
                    if (file_version >= 2)
                    {
                        st.lag = r.u64(tname + " steps sat out");
                        if (st.lag > grp.step)
                        {
                            throw checkpoint_error(tname + " steps sat out: expected at most the group's "
                                                   + std::to_string(grp.step) + ", found " + std::to_string(st.lag));
                        }
                    }
                    const std::uint32_t nslots = r.u32(tname + " slot count");
                    if (nslots != Chain::max_slots)
                    {
                        throw checkpoint_error(tname + " slot count: expected " + std::to_string(Chain::max_slots)
                                               + ", found " + std::to_string(nslots));
                    }
                    st.slots.reserve(nslots);
                    for (std::size_t s = 0; s < nslots; ++s)
                    {
                        const std::string sname = tname + " slot " + std::to_string(s);
                        const std::uint8_t active = r.u8(sname + " flag");
                        const bool want = xoptim::detail::slot_in_use(grp.rule, s, st.shape.size());
                        if (active > 1 || (active == 1) != want)
                        {
                            throw checkpoint_error(sname + ": expected " + (want ? "in use (1)" : "unused (0)")
                                                   + " for these hyperparameters, found " + std::to_string(active));
                        }
                        if (!want)
                        {
                            st.slots.emplace_back(std::vector<std::size_t>{0});
                            continue;
                        }
                        // A factored rule's row, column and matrix slots have shapes of their own
                        // (never larger than the parameter's). Checked against the file first.
                        const auto slot_shape = xoptim::detail::slot_shape_of(grp.rule, s, st.shape);
                        std::size_t slot_count = 1;
                        for (const std::size_t d : slot_shape)
                        {
                            if (d != 0 && slot_count > std::numeric_limits<std::size_t>::max() / sizeof(V) / d)
                            {
                                throw checkpoint_error(sname + ": expected a shape whose values fit in memory, found "
                                                       + shape_text(slot_shape));
                            }
                            slot_count *= d;
                        }
                        r.need(slot_count * sizeof(V), sname + " values");  // before allocating
                        slot_tensor<V> slot(slot_shape);
                        read_finite_values<V>(r, sname, slot_count, slot.data());
                        st.slots.push_back(std::move(slot));
                    }
                    grp.tensors.push_back(std::move(st));
                }
                // A group with registered tensors takes state of their count and shapes only.
                const auto& registered = opt.groups()[g].params;
                if (!registered.empty() && !grp.tensors.empty())
                {
                    if (grp.tensors.size() != registered.size())
                    {
                        throw checkpoint_error(gname + " tensor count: expected " + std::to_string(registered.size())
                                               + " (the tensors registered with the group), found "
                                               + std::to_string(grp.tensors.size()));
                    }
                    for (std::size_t t = 0; t < registered.size(); ++t)
                    {
                        if (!xoptim::detail::same_shape(registered[t].shape(), grp.tensors[t].shape))
                        {
                            throw checkpoint_error(gname + " tensor " + std::to_string(t) + " shape: expected "
                                                   + xoptim::detail::shape_string(registered[t].shape())
                                                   + " (the registered tensor's), found "
                                                   + shape_text(grp.tensors[t].shape));
                        }
                    }
                }
                staged.push_back(std::move(grp));
            }

            std::vector<staged_param<V>> staged_params;
            if (has_params) { staged_params = read_params<V>(r, params, file.identity); }
            if (r.remaining() != 0)
            {
                throw checkpoint_error("payload: expected it to end at offset " + std::to_string(r.offset())
                                       + ", found " + std::to_string(r.remaining()) + " more bytes");
            }
            if (params != nullptr) { check_param_shapes(*params, staged_params); }

            // Everything is valid: commit (moves and copies of numbers only, nothing throws).
            auto& live = opt.groups();
            for (std::size_t g = 0; g < groups; ++g)
            {
                live[g].rule = std::move(staged[g].rule);
                live[g].step = staged[g].step;
                live[g].skipped = staged[g].skipped;
                live[g].group_state = staged[g].group_state;
                live[g].tensors.swap(staged[g].tensors);
            }
            if (params != nullptr) { commit_params(*params, staged_params); }
        }
    }

    // ---- in memory ---------------------------------------------------------------------------

    template <class Opt>
    std::vector<unsigned char> to_bytes(const Opt& opt, const checkpoint_identity& identity = {})
    {
        detail::ckpt::writer w;
        const std::size_t at = detail::ckpt::begin_file(w, identity);
        detail::ckpt::write_payload(w, opt, false);
        return detail::ckpt::seal(w, at);
    }

    template <class Opt, detail::ckpt::parameters Params>
    std::vector<unsigned char> to_bytes(const Opt& opt, const Params& params, const checkpoint_identity& identity = {})
    {
        detail::ckpt::check_identity_names(identity, detail::ckpt::param_count(params));
        detail::ckpt::writer w;
        const std::size_t at = detail::ckpt::begin_file(w, identity);
        detail::ckpt::write_payload(w, opt, true);
        detail::ckpt::write_params<Opt>(w, params);
        return detail::ckpt::seal(w, at);
    }

    // Restores opt from bytes; parameters in the bytes, if any, are checked and ignored. With
    // an identity, the file's must match it (checkpoint_identity says how).
    template <class Opt>
    void from_bytes(std::span<const unsigned char> bytes, Opt& opt)
    {
        detail::ckpt::read_into<Opt, detail::ckpt::no_params>(bytes, opt, nullptr, nullptr);
    }

    template <class Opt>
    void from_bytes(std::span<const unsigned char> bytes, Opt& opt, const checkpoint_identity& identity)
    {
        detail::ckpt::read_into<Opt, detail::ckpt::no_params>(bytes, opt, nullptr, &identity);
    }

    // Restores opt and params (which must have the saved count and shapes) from bytes.
    template <class Opt, detail::ckpt::parameters Params>
    void from_bytes(std::span<const unsigned char> bytes, Opt& opt, Params& params)
    {
        detail::ckpt::read_into(bytes, opt, &params, nullptr);
    }

    template <class Opt, detail::ckpt::parameters Params>
    void from_bytes(std::span<const unsigned char> bytes, Opt& opt, Params& params, const checkpoint_identity& identity)
    {
        detail::ckpt::read_into(bytes, opt, &params, &identity);
    }

    // What a checkpoint records it was made on (empty for formats 1 and 2), its envelope and
    // checksum checked first.
    inline checkpoint_identity checkpoint_identity_of(std::span<const unsigned char> bytes)
    {
        return detail::ckpt::open_payload(bytes).identity;
    }

    // ---- files -------------------------------------------------------------------------------

    template <class Opt>
    void save_checkpoint(const std::filesystem::path& path, const Opt& opt, const checkpoint_identity& identity = {})
    {
        const auto bytes = to_bytes(opt, identity);
        detail::ckpt::write_file_atomically(path, bytes);
    }

    template <class Opt, detail::ckpt::parameters Params>
    void save_checkpoint(const std::filesystem::path& path, const Opt& opt, const Params& params,
                         const checkpoint_identity& identity = {})
    {
        const auto bytes = to_bytes(opt, params, identity);
        detail::ckpt::write_file_atomically(path, bytes);
    }

    template <class Opt>
    void load_checkpoint(const std::filesystem::path& path, Opt& opt)
    {
        const auto bytes = detail::ckpt::read_file(path);
        from_bytes(std::span<const unsigned char>(bytes), opt);
    }

    template <class Opt>
    void load_checkpoint(const std::filesystem::path& path, Opt& opt, const checkpoint_identity& identity)
    {
        const auto bytes = detail::ckpt::read_file(path);
        from_bytes(std::span<const unsigned char>(bytes), opt, identity);
    }

    template <class Opt, detail::ckpt::parameters Params>
    void load_checkpoint(const std::filesystem::path& path, Opt& opt, Params& params)
    {
        const auto bytes = detail::ckpt::read_file(path);
        from_bytes(std::span<const unsigned char>(bytes), opt, params);
    }

    template <class Opt, detail::ckpt::parameters Params>
    void load_checkpoint(const std::filesystem::path& path, Opt& opt, Params& params,
                         const checkpoint_identity& identity)
    {
        const auto bytes = detail::ckpt::read_file(path);
        from_bytes(std::span<const unsigned char>(bytes), opt, params, identity);
    }

    inline checkpoint_identity read_checkpoint_identity(const std::filesystem::path& path)
    {
        const auto bytes = detail::ckpt::read_file(path);
        return checkpoint_identity_of(std::span<const unsigned char>(bytes));
    }

    // The first hyperparameter in which two chains differ, as "<link>.<name>: expected <value
    // in a>, found <value in b>", or "" when they are equal. Lets a caller insist that a
    // checkpoint was made with the hyperparameters it was given.
    template <class Chain>
    std::string hyperparameter_difference(const Chain& a, const Chain& b)
    {
        std::vector<std::pair<std::string, std::string>> values;
        auto text = [](const auto& x) -> std::string {
            using T = std::remove_cvref_t<decltype(x)>;
            if constexpr (std::is_same_v<T, bool>) { return x ? "true" : "false"; }
            else if constexpr (std::is_floating_point_v<T>) { return detail::format_value(static_cast<double>(x)); }
            else if constexpr (std::is_enum_v<T>) { return std::to_string(static_cast<std::underlying_type_t<T>>(x)); }
            else { return std::to_string(x); }
        };
        detail::ckpt::walk_chain_stored(
            a, [&](const std::string& path, const auto& x, std::uint32_t) { values.emplace_back(path, text(x)); });
        std::size_t i = 0;
        std::string diff;
        detail::ckpt::walk_chain_stored(b, [&](const std::string&, const auto& x, std::uint32_t) {
            const std::string found = text(x);
            if (diff.empty() && found != values[i].second)
            {
                diff = values[i].first + ": expected " + values[i].second + ", found " + found;
            }
            ++i;
        });
        return diff;
    }

    // The kind string a checkpoint of this optimizer type records.
    template <class Opt>
    std::string checkpoint_kind()
    {
        return detail::ckpt::kind_of<typename Opt::rule_type>();
    }
}
