#pragma once
// Checkpoints of Shampoo and of Shampoo with AdamW in xoptim's checkpoint envelope
// (io/checkpoint.hpp). The payload: the kind ("shampoo" or "shampoo_with_adamw"), the element type, the hyperparameters by name, the step count and, per
// tensor, whether it has state, its shape and its seven matrices: L, R, their inverse roots
// (held between recomputations, so a resume is bit-exact across one), the filtered gradient,
// Adam grafting's second moment and the momentum buffer; for Shampoo with AdamW then the AdamW
// optimizer's own checkpoint. The scratch matrices are not saved.
// to_bytes / from_bytes / save_checkpoint / load_checkpoint take it as they take the others; a
// failed load leaves the optimizer as it was.

#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "../io/checkpoint.hpp"
#include "../muon/matrix_checkpoint.hpp"
#include "shampoo.hpp"
#include "with_adamw.hpp"

namespace xoptim
{
    namespace detail::ckpt
    {
        inline constexpr std::size_t shampoo_field_count = 14;
        inline constexpr std::array<const char*, shampoo_field_count> shampoo_field_names{"lr",
                                                                                          "beta1",
                                                                                          "beta2",
                                                                                          "epsilon",
                                                                                          "momentum",
                                                                                          "dampening",
                                                                                          "weight_decay",
                                                                                          "precondition_frequency",
                                                                                          "start_preconditioning_step",
                                                                                          "use_nesterov",
                                                                                          "use_bias_correction",
                                                                                          "use_decoupled_weight_decay",
                                                                                          "grafting_beta2",
                                                                                          "grafting_epsilon"};
        inline constexpr std::size_t shampoo_matrix_count = 7;
        inline constexpr std::array<const char*, shampoo_matrix_count> shampoo_matrix_names{"left",
                                                                                            "right",
                                                                                            "left_inverse_root",
                                                                                            "right_inverse_root",
                                                                                            "filtered_grad",
                                                                                            "grafting_second_moment",
                                                                                            "momentum_buffer"};

        template <class S>
        auto shampoo_matrices(S& st)
        {
            return std::array{&st.left,
                              &st.right,
                              &st.left_inverse_root,
                              &st.right_inverse_root,
                              &st.filtered_grad,
                              &st.grafting_second_moment,
                              &st.momentum_buffer};
        }

        template <class V>
        void write_shampoo(writer& w, const shampoo_optimizer<V>& opt)
        {
            const shampoo_options& o = opt.options();
            w.u8(element_tag<V>);
            const double fields[shampoo_field_count] = {o.lr,
                                                        o.beta1,
                                                        o.beta2,
                                                        o.epsilon,
                                                        o.momentum,
                                                        o.dampening,
                                                        o.weight_decay,
                                                        static_cast<double>(o.precondition_frequency),
                                                        static_cast<double>(o.start_preconditioning_step),
                                                        o.use_nesterov ? 1.0 : 0.0,
                                                        o.use_bias_correction ? 1.0 : 0.0,
                                                        o.use_decoupled_weight_decay ? 1.0 : 0.0,
                                                        o.grafting_beta2,
                                                        o.grafting_epsilon};
            w.u32(static_cast<std::uint32_t>(shampoo_field_count));
            for (std::size_t i = 0; i < shampoo_field_count; ++i)
            {
                w.str(shampoo_field_names[i]);
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
                const auto mats = shampoo_matrices(st);
                for (std::size_t m = 0; m < shampoo_matrix_count; ++m)
                {
                    const std::string bad = check_finite_values<V>(mats[m]->data(), mats[m]->size());
                    if (!bad.empty())
                    {
                        throw checkpoint_error("shampoo tensor " + std::to_string(t) + " " + shampoo_matrix_names[m]
                                               + ": expected finite values, " + bad
                                               + " (the checkpoint was not written)");
                    }
                }
                for (std::size_t m = 0; m < shampoo_matrix_count; ++m)
                {
                    w.values<V>(mats[m]->data(), mats[m]->size());
                }
            }
        }

        // An integer field read as a double: whole and within [lo, hi].
        inline double shampoo_whole(double v, double lo, double hi, const char* name)
        {
            if (!(v >= lo && v <= hi) || std::floor(v) != v)
            {
                throw checkpoint_error(std::string("shampoo ") + name + ": expected a whole number in ["
                                       + xoptim::detail::format_value(lo) + ", " + xoptim::detail::format_value(hi)
                                       + "], found " + xoptim::detail::format_value(v));
            }
            return v;
        }

        inline bool shampoo_flag(double v, const char* name)
        {
            if (v != 0.0 && v != 1.0)
            {
                throw checkpoint_error(std::string("shampoo ") + name + ": expected 0 or 1, found "
                                       + xoptim::detail::format_value(v));
            }
            return v == 1.0;
        }

        template <class V>
        struct staged_shampoo
        {
            shampoo_options options;
            std::uint64_t step = 0;
            std::vector<shampoo_state<V>> states;

            void commit(shampoo_optimizer<V>& opt) { opt.restore(step, std::move(states), options); }
        };

        template <class V>
        staged_shampoo<V> read_shampoo(reader& r, const shampoo_optimizer<V>& opt)
        {
            const std::uint8_t etag = r.u8("element type");
            if (etag != element_tag<V>)
            {
                throw checkpoint_error("element type: expected " + tag_name(element_tag<V>) + ", found "
                                       + tag_name(etag));
            }
            const std::uint32_t n = r.u32("shampoo field count");
            if (n != shampoo_field_count)
            {
                throw checkpoint_error("shampoo field count: expected " + std::to_string(shampoo_field_count)
                                       + ", found " + std::to_string(n));
            }
            double f[shampoo_field_count];
            for (std::size_t i = 0; i < shampoo_field_count; ++i)
            {
                const std::string name = r.str("shampoo field name", checkpoint_format::max_name_length);
                if (name != shampoo_field_names[i])
                {
                    throw checkpoint_error("shampoo field " + std::to_string(i) + ": expected \""
                                           + shampoo_field_names[i] + "\", found \"" + name + "\"");
                }
                f[i] = r.value<double>(std::string("shampoo ") + shampoo_field_names[i]);
            }
            staged_shampoo<V> s;
            auto& o = s.options;
            o.lr = f[0];
            o.beta1 = f[1];
            o.beta2 = f[2];
            o.epsilon = f[3];
            o.momentum = f[4];
            o.dampening = f[5];
            o.weight_decay = f[6];
            o.precondition_frequency =
                static_cast<std::uint64_t>(shampoo_whole(f[7], 1.0, 0x1p53, "precondition_frequency"));
            o.start_preconditioning_step =
                static_cast<std::int64_t>(shampoo_whole(f[8], -1.0, 0x1p53, "start_preconditioning_step"));
            o.use_nesterov = shampoo_flag(f[9], "use_nesterov");
            o.use_bias_correction = shampoo_flag(f[10], "use_bias_correction");
            o.use_decoupled_weight_decay = shampoo_flag(f[11], "use_decoupled_weight_decay");
            o.grafting_beta2 = f[12];
            o.grafting_epsilon = f[13];
            try
            {
                validate_shampoo(o);
            }
            catch (const std::invalid_argument& e)
            {
                throw checkpoint_error(std::string("shampoo hyperparameters: ") + e.what());
            }
            s.step = r.u64("shampoo step count");
            const std::uint64_t count = r.u64("shampoo tensor count");
            if (opt.registered_count() != 0 && count != opt.registered_count())
            {
                throw checkpoint_error("shampoo tensor count: expected " + std::to_string(opt.registered_count())
                                       + " (registered), found " + std::to_string(count));
            }
            if (count > r.remaining())
            {
                throw checkpoint_error("shampoo tensor count: " + std::to_string(count)
                                       + " is more than the file holds");
            }
            s.states.resize(static_cast<std::size_t>(count));
            for (std::size_t t = 0; t < s.states.size(); ++t)
            {
                const std::string what = "shampoo tensor " + std::to_string(t);
                if (r.u8(what + " has state") == 0) { continue; }
                std::size_t elements = 0;
                const auto shape = read_shape(r, what, sizeof(V), elements);
                if (shape.size() != 2)
                {
                    throw checkpoint_error(what + ": expected a 2-D shape, found " + shape_text(shape));
                }
                check_registered_shape(opt, t, what, shape[0], shape[1]);
                auto& st = s.states[t];
                // The factor matrices are rows^2 and cols^2: check them against what is left
                // before allocating (a shape that fits the parameter can still be too big).
                const double need = (static_cast<double>(shape[0]) * static_cast<double>(shape[0]) * 2.0
                                     + static_cast<double>(shape[1]) * static_cast<double>(shape[1]) * 2.0
                                     + static_cast<double>(elements) * 3.0)
                                    * static_cast<double>(sizeof(V));
                if (need > static_cast<double>(r.remaining()))
                {
                    throw checkpoint_error(what + ": shape " + shape_text(shape)
                                           + " needs more bytes than the file holds");
                }
                st.allocate(shape[0], shape[1]);
                const auto mats = shampoo_matrices(st);
                for (std::size_t m = 0; m < shampoo_matrix_count; ++m)
                {
                    read_finite_values<V>(r, what + " " + shampoo_matrix_names[m], mats[m]->size(), mats[m]->data());
                }
            }
            return s;
        }
    }

    // Shampoo's part of its checkpoint files (muon/matrix_checkpoint.hpp).
    template <>
    struct matrix_checkpoint<shampoo_rule>
    {
        static constexpr const char* kind = "shampoo";
        template <class V>
        static void write(detail::ckpt::writer& w, const shampoo_optimizer<V>& opt)
        {
            detail::ckpt::write_shampoo(w, opt);
        }
        template <class V>
        static auto read(detail::ckpt::reader& r, const shampoo_optimizer<V>& opt)
        {
            return detail::ckpt::read_shampoo(r, opt);
        }
    };

    template <class V>
    std::vector<unsigned char> to_bytes(const shampoo_adamw<V>& opt, const checkpoint_identity& identity = {})
    {
        return detail::ckpt::matrix_adamw_bytes(opt, identity);
    }

    template <class V>
    void from_bytes(std::span<const unsigned char> bytes, shampoo_adamw<V>& opt)
    {
        detail::ckpt::read_matrix_adamw_file(bytes, opt, nullptr);
    }

    template <class V>
    void from_bytes(std::span<const unsigned char> bytes, shampoo_adamw<V>& opt, const checkpoint_identity& identity)
    {
        detail::ckpt::read_matrix_adamw_file(bytes, opt, &identity);
    }
}
