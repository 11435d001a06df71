#pragma once
// Checkpoints of Muon and of Muon with AdamW, in xoptim's checkpoint envelope (io/checkpoint.hpp:
// magic, version, byte order, size, checksum; from format 3 the identity, what the state was
// made on, which a load given one checks). The payload: the kind ("muon" or
// "muon_with_adamw"), the element type, Muon's hyperparameters by name, its step count and,
// per tensor, whether it has state, its shape and its momentum buffer; for Muon with AdamW then
// the AdamW optimizer's own checkpoint. The Newton-Schulz workspace is scratch: not saved.
// to_bytes / from_bytes / save_checkpoint / load_checkpoint take these optimizers as they take
// the others; a failed load leaves the optimizer as it was.

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "../io/checkpoint.hpp"
#include "matrix_checkpoint.hpp"
#include "muon.hpp"
#include "with_adamw.hpp"

namespace xoptim
{
    namespace detail::ckpt
    {
        inline constexpr std::size_t muon_field_count = 10;

        template <class V>
        void write_muon(writer& w, const muon_optimizer<V>& opt)
        {
            const muon_options& o = opt.options();
            w.u8(element_tag<V>);
            const double fields[muon_field_count] = {o.lr,
                                                     o.weight_decay,
                                                     o.momentum,
                                                     o.nesterov ? 1.0 : 0.0,
                                                     o.ns_coefficients[0],
                                                     o.ns_coefficients[1],
                                                     o.ns_coefficients[2],
                                                     o.eps,
                                                     static_cast<double>(o.ns_steps),
                                                     static_cast<double>(o.adjust_lr_fn)};
            static constexpr const char* names[muon_field_count] = {"lr",       "weight_decay", "momentum", "nesterov",
                                                                    "ns_a",     "ns_b",         "ns_c",     "eps",
                                                                    "ns_steps", "adjust_lr_fn"};
            w.u32(static_cast<std::uint32_t>(muon_field_count));
            for (std::size_t i = 0; i < muon_field_count; ++i)
            {
                w.str(names[i]);
                w.value<double>(fields[i]);
            }
            w.u64(opt.step_count());
            w.u64(opt.state_count());
            for (std::size_t t = 0; t < opt.state_count(); ++t)
            {
                const auto& st = opt.state(t);
                w.u8(st.started() ? 1 : 0);
                if (!st.started()) { continue; }
                const std::vector<std::size_t> shape{st.rows, st.cols};
                write_shape(w, shape);
                const std::string bad = check_finite_values<V>(st.momentum_buffer.data(), st.momentum_buffer.size());
                if (!bad.empty())
                {
                    throw checkpoint_error("muon tensor " + std::to_string(t)
                                           + " momentum buffer: expected finite values, " + bad
                                           + " (the checkpoint was not written)");
                }
                w.values<V>(st.momentum_buffer.data(), st.momentum_buffer.size());
            }
        }

        // Reads Muon's part into staged values; commit() puts them into the optimizer.
        template <class V>
        struct staged_muon
        {
            muon_options options;
            std::uint64_t step = 0;
            std::vector<muon_state<V>> states;

            void commit(muon_optimizer<V>& opt) { opt.restore(step, std::move(states), options); }
        };

        template <class V>
        staged_muon<V> read_muon(reader& r, const muon_optimizer<V>& opt)
        {
            const std::uint8_t etag = r.u8("element type");
            if (etag != element_tag<V>)
            {
                throw checkpoint_error("element type: expected " + tag_name(element_tag<V>) + ", found "
                                       + tag_name(etag));
            }
            static constexpr const char* names[muon_field_count] = {"lr",       "weight_decay", "momentum", "nesterov",
                                                                    "ns_a",     "ns_b",         "ns_c",     "eps",
                                                                    "ns_steps", "adjust_lr_fn"};
            const std::uint32_t n = r.u32("muon field count");
            if (n != muon_field_count)
            {
                throw checkpoint_error("muon field count: expected " + std::to_string(muon_field_count) + ", found "
                                       + std::to_string(n));
            }
            double f[muon_field_count];
            for (std::size_t i = 0; i < muon_field_count; ++i)
            {
                const std::string name = r.str("muon field name", checkpoint_format::max_name_length);
                if (name != names[i])
                {
                    throw checkpoint_error("muon field " + std::to_string(i) + ": expected \"" + names[i]
                                           + "\", found \"" + name + "\"");
                }
                f[i] = r.value<double>(std::string("muon ") + names[i]);
            }
            staged_muon<V> s;
            s.options.lr = f[0];
            s.options.weight_decay = f[1];
            s.options.momentum = f[2];
            s.options.nesterov = f[3] != 0.0;
            s.options.ns_coefficients = {f[4], f[5], f[6]};
            s.options.eps = f[7];
            if (!(f[8] >= 0.0 && f[8] < 100.0) || (f[9] != 0.0 && f[9] != 1.0))
            {
                throw checkpoint_error("muon ns_steps or adjust_lr_fn: found " + xoptim::detail::format_value(f[8])
                                       + ", " + xoptim::detail::format_value(f[9]));
            }
            s.options.ns_steps = static_cast<std::size_t>(f[8]);
            s.options.adjust_lr_fn = static_cast<muon_lr_adjustment>(static_cast<int>(f[9]));
            try
            {
                validate_muon(s.options);
            }
            catch (const std::invalid_argument& e)
            {
                throw checkpoint_error(std::string("muon hyperparameters: ") + e.what());
            }
            s.step = r.u64("muon step count");
            const std::uint64_t count = r.u64("muon tensor count");
            if (opt.registered_count() != 0 && count != opt.registered_count())
            {
                throw checkpoint_error("muon tensor count: expected " + std::to_string(opt.registered_count())
                                       + " (registered), found " + std::to_string(count));
            }
            if (count > r.remaining())
            {
                throw checkpoint_error("muon tensor count: " + std::to_string(count) + " is more than the file holds");
            }
            s.states.resize(static_cast<std::size_t>(count));
            for (std::size_t t = 0; t < s.states.size(); ++t)
            {
                const std::string what = "muon tensor " + std::to_string(t);
                if (r.u8(what + " has state") == 0) { continue; }
                std::size_t elements = 0;
                const auto shape = read_shape(r, what, sizeof(V), elements);
                if (shape.size() != 2)
                {
                    throw checkpoint_error(what + ": expected a 2-D shape, found " + shape_text(shape));
                }
                check_registered_shape(opt, t, what, shape[0], shape[1]);
                auto& st = s.states[t];
                st.rows = shape[0];
                st.cols = shape[1];
                st.momentum_buffer = xt::zeros<V>({st.rows, st.cols});
                read_finite_values<V>(r, what + " momentum", elements, st.momentum_buffer.data());
            }
            return s;
        }
    }

    // Muon's part of its checkpoint files (muon/matrix_checkpoint.hpp).
    template <>
    struct matrix_checkpoint<muon_rule>
    {
        static constexpr const char* kind = "muon";
        template <class V>
        static void write(detail::ckpt::writer& w, const muon_optimizer<V>& opt)
        {
            detail::ckpt::write_muon(w, opt);
        }
        template <class V>
        static auto read(detail::ckpt::reader& r, const muon_optimizer<V>& opt)
        {
            return detail::ckpt::read_muon(r, opt);
        }
    };

    template <class V>
    std::vector<unsigned char> to_bytes(const muon_adamw<V>& opt, const checkpoint_identity& identity = {})
    {
        return detail::ckpt::matrix_adamw_bytes(opt, identity);
    }

    template <class V>
    void from_bytes(std::span<const unsigned char> bytes, muon_adamw<V>& opt)
    {
        detail::ckpt::read_matrix_adamw_file(bytes, opt, nullptr);
    }

    template <class V>
    void from_bytes(std::span<const unsigned char> bytes, muon_adamw<V>& opt, const checkpoint_identity& identity)
    {
        detail::ckpt::read_matrix_adamw_file(bytes, opt, &identity);
    }
}
