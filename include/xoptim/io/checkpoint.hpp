#pragma once
// Checkpoints: an optimizer's whole state (kind, hyperparameters of every group, step counts,
// every slot of every tensor) and optionally the parameters, in a versioned little-endian
// binary format with a checksum (docs/reliability.md gives the layout).
//
//   save_checkpoint(path, opt [, params])   writes atomically: temporary file, fsync, rename
//   load_checkpoint(path, opt [, params])   validates everything, then changes everything
//   to_bytes(opt [, params]) / from_bytes(bytes, opt [, params])   the same, in memory
//
// `params` is one tensor or a range of tensors (std::vector<xt::xtensor<...>>, ...).
// Every failure throws checkpoint_error saying what was expected and what was found; the
// optimizer, the parameters and any existing file are then exactly as they were.

#include <cstddef>
#include <algorithm>
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
        // Version 2 stores each hyperparameter with its name; version 1 stored them by position
        // and is still read.
        inline constexpr std::uint32_t version = 2;
        inline constexpr std::uint32_t oldest_readable_version = 1;
        // Written little-endian: the bytes 0d 0c 0b 0a on disk.
        inline constexpr std::uint32_t byte_order_mark = 0x0A0B0C0Du;
        inline constexpr std::size_t header_size = 24;   // magic, version, byte order, payload size
        inline constexpr std::size_t trailer_size = 8;   // FNV-1a 64 of every byte before it
        inline constexpr std::uint8_t flag_parameters = 0x01;

        // Bounds applied to sizes read from a file before anything is allocated.
        inline constexpr std::size_t max_kind_length = 4096;
        inline constexpr std::uint32_t max_groups = 1u << 20;
        inline constexpr std::uint32_t max_rank = 32;
        inline constexpr std::uint64_t max_extent = std::uint64_t(1) << 40;
        inline constexpr std::uint32_t max_fields = 4096;
        inline constexpr std::size_t max_name_length = 256;
    }

    namespace detail::ckpt
    {
        // Stands for "no parameters" in the loader.
        struct no_params
        {
        };

        // Parameters as a list: one tensor, or a range of them.
        template <class P>
        concept single_tensor = requires(const P& p) {
            p.shape();
            p.size();
            typename P::value_type;
        };

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

        inline std::string with_index(const char* what, std::size_t i) { return what + std::string(" ") + std::to_string(i); }

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
                    throw checkpoint_error(what + " shape " + xoptim::detail::shape_string(shape)
                                           + ": expected an element count that fits in memory, found one that overflows");
                }
                n *= shape[d];
            }
            if (values_follow && n > r.remaining() / element_size)
            {
                throw checkpoint_error("truncated: " + what + " of shape " + xoptim::detail::shape_string(shape) + " needs "
                                       + std::to_string(n * element_size) + " bytes, but " + std::to_string(r.remaining())
                                       + " are left at offset " + std::to_string(r.offset()));
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
                                                   + " slot " + std::to_string(s) + ": expected finite values, "
                                                   + bad + " (the checkpoint was not written)");
                        }
                        w.values<V>(slot.data(), slot.size());
                    }
                }
            }
        }

        template <class Opt, class Params>
        void write_params(writer& w, const Params& params)
        {
            using V = typename Opt::value_type;
            w.u64(param_count(params));
            for_each_param(params, [&](std::size_t k, const auto& p) {
                static_assert(std::is_same_v<std::remove_cv_t<typename std::decay_t<decltype(p)>::value_type>, V>,
                              "xoptim checkpoint: parameters must have the optimizer's value type");
                const std::string bad = check_finite_values<V>(p.template cbegin<xt::layout_type::row_major>(), p.size());
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
            w.u64(fnv1a64(w.buffer().data(), w.size()));
            return std::move(w.buffer());
        }

        inline std::size_t begin_file(writer& w)
        {
            w.bytes(checkpoint_format::magic, sizeof checkpoint_format::magic);
            w.u32(checkpoint_format::version);
            w.u32(checkpoint_format::byte_order_mark);
            w.u64(0);  // payload size, patched by seal()
            return w.size();
        }

        // Checks the envelope (size, magic, version, byte order, payload size, checksum) and
        // returns a reader over the payload.
        inline reader open_payload(std::span<const unsigned char> bytes, std::uint32_t& version_found)
        {
            namespace fmt = checkpoint_format;
            if (bytes.size() < fmt::header_size + fmt::trailer_size)
            {
                throw checkpoint_error("file size: expected at least " + std::to_string(fmt::header_size + fmt::trailer_size)
                                       + " bytes, found " + std::to_string(bytes.size()));
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
                throw checkpoint_error("byte order mark: expected " + hex(fmt::byte_order_mark, 8) + " (little-endian), found "
                                       + hex(bom, 8));
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
            const std::uint64_t computed = fnv1a64(bytes.data(), body);
            if (stored != computed)
            {
                throw checkpoint_error("checksum (FNV-1a 64): expected " + hex(computed, 16) + " for the contents, found "
                                       + hex(stored, 16) + " (the file is corrupt)");
            }
            return reader(bytes.subspan(fmt::header_size, static_cast<std::size_t>(payload)));
        }

        // A parameter read from a file, waiting to be copied into the caller's tensor.
        template <class V>
        struct staged_param
        {
            std::vector<std::size_t> shape;
            std::vector<V> values;
        };

        // One hyperparameter's tag and bits into field x, or the error naming it.
        template <class T>
        void decode_field(T& x, std::uint8_t tag, std::uint64_t bits, const std::string& what)
        {
            if (tag != field_tag<T>())
            {
                throw checkpoint_error(what + " type: expected " + tag_name(field_tag<T>()) + ", found " + tag_name(tag));
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
                throw checkpoint_error(gname + " hyperparameter count: expected at most "
                                       + std::to_string(std::min<std::size_t>(checkpoint_format::max_fields,
                                                                              r.remaining() / 13))
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
                    if (o.name == f.name) { throw checkpoint_error(gname + " hyperparameter " + f.name + ": stored twice"); }
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
        void read_into(std::span<const unsigned char> bytes, Opt& opt, Params* params)
        {
            using Chain = typename Opt::rule_type;
            using V = typename Opt::value_type;
            using group_type = typename Opt::group_type;
            using state_type = typename Opt::state_type;

            std::uint32_t file_version = 0;
            reader r = open_payload(bytes, file_version);

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
                group_type grp{opt.groups()[g].rule, 0, {}, 0, {}};
                grp.step = read_count(r, gname + " step count");
                grp.skipped = read_count(r, gname + " skipped count");

                if (file_version == 1) { read_fields_v1(r, grp.rule, gname); }
                else { read_fields_by_name(r, grp.rule, gname); }
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
                    throw checkpoint_error(gname + " tensor count: expected at most " + std::to_string(r.remaining() / 8)
                                           + " in the bytes left, found " + std::to_string(ntensors));
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
                        r.need(slot_count * sizeof(V), sname + " values");
                        slot_tensor<V> slot(slot_shape);
                        V* out = slot.data();
                        for (std::size_t i = 0; i < slot_count; ++i)
                        {
                            const V v = r.value<V>(sname);
                            if (!(v - v == v - v))
                            {
                                throw checkpoint_error(sname + ": expected finite values, element " + std::to_string(i)
                                                       + " is " + (v != v ? "nan" : "inf"));
                            }
                            out[i] = v;
                        }
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
            if (has_params)
            {
                const std::uint64_t np = r.u64("parameter count");
                if (np > r.remaining() / 4)
                {
                    throw checkpoint_error("parameter count: expected at most " + std::to_string(r.remaining() / 4)
                                           + " in the bytes left, found " + std::to_string(np));
                }
                if (params != nullptr && np != param_count(*params))
                {
                    throw checkpoint_error("parameter count: expected " + std::to_string(param_count(*params))
                                           + ", found " + std::to_string(np));
                }
                staged_params.reserve(static_cast<std::size_t>(np));
                for (std::size_t k = 0; k < np; ++k)
                {
                    const std::string pname = "parameter " + std::to_string(k);
                    staged_param<V> sp;
                    std::size_t count = 0;
                    sp.shape = read_shape(r, pname, sizeof(V), count);
                    sp.values.resize(count);
                    for (std::size_t i = 0; i < count; ++i)
                    {
                        const V v = r.value<V>(pname);
                        if (!(v - v == v - v))
                        {
                            throw checkpoint_error(pname + ": expected finite values, element " + std::to_string(i)
                                                   + " is " + (v != v ? "nan" : "inf"));
                        }
                        sp.values[i] = v;
                    }
                    staged_params.push_back(std::move(sp));
                }
            }
            if (r.remaining() != 0)
            {
                throw checkpoint_error("payload: expected it to end at offset " + std::to_string(r.offset())
                                       + ", found " + std::to_string(r.remaining()) + " more bytes");
            }
            if (params != nullptr)
            {
                for_each_param(*params, [&](std::size_t k, const auto& p) {
                    static_assert(std::is_same_v<std::remove_cv_t<typename std::decay_t<decltype(p)>::value_type>, V>,
                                  "xoptim checkpoint: parameters must have the optimizer's value type");
                    if (!xoptim::detail::same_shape(p.shape(), staged_params[k].shape))
                    {
                        throw checkpoint_error("parameter " + std::to_string(k) + " shape: expected "
                                               + xoptim::detail::shape_string(p.shape()) + ", found "
                                               + shape_text(staged_params[k].shape));
                    }
                });
            }

            // Everything is valid: commit (moves and copies of numbers only, nothing throws).
            auto& live = opt.groups();
            for (std::size_t g = 0; g < groups; ++g)
            {
                live[g].rule = std::move(staged[g].rule);
                live[g].step = staged[g].step;
                live[g].skipped = staged[g].skipped;
                live[g].tensors.swap(staged[g].tensors);
            }
            if (params != nullptr)
            {
                for_each_param(*params, [&](std::size_t k, auto& p) {
                    auto out = p.template begin<xt::layout_type::row_major>();
                    for (const V v : staged_params[k].values) { *out++ = v; }
                });
            }
        }
    }

    // ---- in memory ---------------------------------------------------------------------------

    template <class Opt>
    std::vector<unsigned char> to_bytes(const Opt& opt)
    {
        detail::ckpt::writer w;
        const std::size_t at = detail::ckpt::begin_file(w);
        detail::ckpt::write_payload(w, opt, false);
        return detail::ckpt::seal(w, at);
    }

    template <class Opt, class Params>
    std::vector<unsigned char> to_bytes(const Opt& opt, const Params& params)
    {
        detail::ckpt::writer w;
        const std::size_t at = detail::ckpt::begin_file(w);
        detail::ckpt::write_payload(w, opt, true);
        detail::ckpt::write_params<Opt>(w, params);
        return detail::ckpt::seal(w, at);
    }

    // Restores opt from bytes; parameters in the bytes, if any, are checked and ignored.
    template <class Opt>
    void from_bytes(std::span<const unsigned char> bytes, Opt& opt)
    {
        detail::ckpt::read_into<Opt, detail::ckpt::no_params>(bytes, opt, nullptr);
    }

    // Restores opt and params (which must have the saved count and shapes) from bytes.
    template <class Opt, class Params>
    void from_bytes(std::span<const unsigned char> bytes, Opt& opt, Params& params)
    {
        detail::ckpt::read_into(bytes, opt, &params);
    }

    // ---- files -------------------------------------------------------------------------------

    template <class Opt>
    void save_checkpoint(const std::filesystem::path& path, const Opt& opt)
    {
        const auto bytes = to_bytes(opt);
        detail::ckpt::write_file_atomically(path, bytes);
    }

    template <class Opt, class Params>
    void save_checkpoint(const std::filesystem::path& path, const Opt& opt, const Params& params)
    {
        const auto bytes = to_bytes(opt, params);
        detail::ckpt::write_file_atomically(path, bytes);
    }

    template <class Opt>
    void load_checkpoint(const std::filesystem::path& path, Opt& opt)
    {
        const auto bytes = detail::ckpt::read_file(path);
        from_bytes(std::span<const unsigned char>(bytes), opt);
    }

    template <class Opt, class Params>
    void load_checkpoint(const std::filesystem::path& path, Opt& opt, Params& params)
    {
        const auto bytes = detail::ckpt::read_file(path);
        from_bytes(std::span<const unsigned char>(bytes), opt, params);
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
        detail::ckpt::walk_chain_stored(a, [&](const std::string& path, const auto& x, std::uint32_t) {
            values.emplace_back(path, text(x));
        });
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
