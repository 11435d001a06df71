#pragma once
// Checkpoints of xoptim::lbfgs, in the envelope of io/checkpoint.hpp (magic, version, byte
// order, payload size, checksum: XXH3-64 from format 3, FNV-1a 64 in format 2; hyperparameters
// by name). The payload:
//
//   [format 3: the identity: str tag, u32 name count, each str name]
//   str kind "lbfgs", u8 element type, u8 flags (0x01: parameters follow)
//   u32 hyperparameter count, then each: str name, u8 type tag, u64 bits
//   u64 func_evals, u64 n_iter, u64 steps; f64 t, f64 prev_loss, V H_diag
//   u64 n (0 before the first iteration); d and prev_flat_grad, n values of V each
//   u64 pairs held (at most history_size), then each, oldest first: V ro, n values y, n values s
//   [u64 parameter count, then each: shape, values]
//
// Loading validates everything first and changes nothing on an error (checkpoint_error); the
// file's hyperparameters replace the optimizer's, as for the elementwise optimizers. A run
// resumed from a checkpoint continues bit for bit as the uninterrupted run. The identity
// (what the state was made on) is recorded and checked as for the others (checkpoint_identity).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "../lbfgs.hpp"
#include "checkpoint.hpp"

namespace xoptim
{
    namespace detail::ckpt
    {
        template <class V>
        void write_lbfgs_payload(writer& w, const lbfgs<V>& opt, bool with_params)
        {
            const auto& st = opt.state();
            w.str(lbfgs<V>::kind);
            w.u8(element_tag<V>);
            w.u8(with_params ? checkpoint_format::flag_parameters : 0);
            lbfgs_options options = opt.options();
            std::vector<std::pair<std::string, std::pair<std::uint8_t, std::uint64_t>>> fields;
            xoptim::detail::walk_stored(options, {}, [&](const std::string& path, const auto& x, std::uint32_t) {
                fields.push_back({path, {field_tag<std::remove_cvref_t<decltype(x)>>(), field_bits(x)}});
            });
            w.u32(static_cast<std::uint32_t>(fields.size()));
            for (const auto& [name, f] : fields)
            {
                w.str(name);
                w.u8(f.first);
                w.u64(f.second);
            }
            w.u64(st.func_evals);
            w.u64(st.n_iter);
            w.u64(st.steps);
            const auto check = [](const char* what, const auto* p, std::size_t n) {
                const std::string bad = check_finite_values<V>(p, n);
                if (!bad.empty())
                {
                    throw checkpoint_error(std::string("lbfgs ") + what + ": expected finite values, " + bad
                                           + " (the checkpoint was not written)");
                }
            };
            check("t", &st.t, 1);
            check("prev_loss", &st.prev_loss, 1);
            check("H_diag", &st.h_diag, 1);
            w.value<double>(st.t);
            w.value<double>(st.prev_loss);
            w.value<V>(st.h_diag);
            const std::size_t n = st.started() ? st.size() : 0;
            w.u64(n);
            if (n == 0) { return void(w.u64(0)); }
            check("d", st.d.data(), n);
            check("prev_flat_grad", st.prev_flat_grad.data(), n);
            w.values<V>(st.d.data(), n);
            w.values<V>(st.prev_flat_grad.data(), n);
            w.u64(st.history.size());
            for (std::size_t i = 0; i < st.history.size(); ++i)
            {
                const V ro = st.history.ro(i);
                check("ro", &ro, 1);
                check("old_dirs", st.history.y(i).data(), n);
                check("old_stps", st.history.s(i).data(), n);
                w.value<V>(ro);
                w.values<V>(st.history.y(i).data(), n);
                w.values<V>(st.history.s(i).data(), n);
            }
        }

        template <class V>
        void read_lbfgs_values(reader& r, const std::string& what, std::size_t n, xt::xtensor<V, 1>& out)
        {
            r.need(n * sizeof(V), what);
            out.resize({n});
            read_finite_values<V>(r, what, n, out.data());
        }

        template <class V, class Params>
        void read_lbfgs(std::span<const unsigned char> bytes, lbfgs<V>& opt, Params* params,
                        const checkpoint_identity* expected)
        {
            payload file = open_payload(bytes, expected);
            reader& r = file.r;
            if (file.version < 2)
            {
                throw checkpoint_error("format version: expected 2 or later for an lbfgs checkpoint, found "
                                       + std::to_string(file.version));
            }
            const bool has_params = read_kind_and_flags<V>(r, std::string(lbfgs<V>::kind), params != nullptr);

            lbfgs_options options = opt.options();
            read_named_fields(r, "lbfgs", [&](auto&& leaf) { xoptim::detail::walk_stored(options, {}, leaf); });
            try
            {
                options.template validate<V>();
            }
            catch (const std::invalid_argument& e)
            {
                throw checkpoint_error(std::string("lbfgs hyperparameters: ") + e.what());
            }
            if (options.max_eval == -1) { options.max_eval = options.resolved_max_eval(); }

            lbfgs_state<V> st;
            st.func_evals = r.u64("func_evals");
            st.n_iter = r.u64("n_iter");
            st.steps = r.u64("steps");
            st.t = r.value<double>("t");
            st.prev_loss = r.value<double>("prev_loss");
            st.h_diag = r.value<V>("H_diag");
            for (const double v : {st.t, st.prev_loss, static_cast<double>(st.h_diag)})
            {
                if (!(v - v == v - v))
                {
                    throw checkpoint_error("t, prev_loss, H_diag: expected finite values, found "
                                           + std::string(v != v ? "nan" : "inf"));
                }
            }
            const std::uint64_t n = r.u64("size");
            if (n > r.remaining() / sizeof(V))
            {
                throw checkpoint_error("size: expected at most " + std::to_string(r.remaining() / sizeof(V))
                                       + " in the bytes left, found " + std::to_string(n));
            }
            if ((n == 0) != (st.n_iter == 0))
            {
                throw checkpoint_error("size: expected " + std::string(st.n_iter == 0 ? "0" : "at least 1")
                                       + " with n_iter " + std::to_string(st.n_iter) + ", found " + std::to_string(n));
            }
            const auto capacity = static_cast<std::size_t>(options.history_size);
            st.history = lbfgs_history<V>(capacity);
            if (n > 0)
            {
                read_lbfgs_values(r, "d", static_cast<std::size_t>(n), st.d);
                read_lbfgs_values(r, "prev_flat_grad", static_cast<std::size_t>(n), st.prev_flat_grad);
            }
            const std::uint64_t pairs = r.u64("history length");
            if (pairs > capacity || (n == 0 && pairs != 0))
            {
                throw checkpoint_error("history length: expected at most " + std::to_string(n == 0 ? 0 : capacity)
                                       + " (history_size), found " + std::to_string(pairs));
            }
            std::vector<xt::xtensor<V, 1>> ys(static_cast<std::size_t>(pairs)), ss(static_cast<std::size_t>(pairs));
            std::vector<V> ros(static_cast<std::size_t>(pairs));
            for (std::size_t i = 0; i < pairs; ++i)
            {
                const std::string what = "history pair " + std::to_string(i);
                ros[i] = r.value<V>(what + " ro");
                if (!(ros[i] - ros[i] == ros[i] - ros[i]))
                {
                    throw checkpoint_error(what + " ro: expected a finite value");
                }
                read_lbfgs_values(r, what + " old_dirs", static_cast<std::size_t>(n), ys[i]);
                read_lbfgs_values(r, what + " old_stps", static_cast<std::size_t>(n), ss[i]);
            }
            st.history.assign(std::move(ys), std::move(ss), ros);

            std::vector<staged_param<V>> staged;
            if (has_params) { staged = read_params<V>(r, params, file.identity); }
            if (r.remaining() != 0)
            {
                throw checkpoint_error("payload: expected it to end at offset " + std::to_string(r.offset())
                                       + ", found " + std::to_string(r.remaining()) + " more bytes");
            }
            if (params != nullptr && has_params)
            {
                check_param_shapes(*params, staged);
                std::size_t total = 0;
                for (const auto& p : staged) { total += p.values.size(); }
                if (n != 0 && total != n)
                {
                    throw checkpoint_error("parameters: expected " + std::to_string(n)
                                           + " elements (the state's), found " + std::to_string(total));
                }
            }

            // Everything is valid: commit.
            lbfgs<V> loaded(options);
            loaded.set_nonfinite_policy(opt.nonfinite());
            loaded.set_state(std::move(st));
            opt = std::move(loaded);
            if (params != nullptr) { commit_params(*params, staged); }
        }
    }

    template <class V>
    std::vector<unsigned char> to_bytes(const lbfgs<V>& opt, const checkpoint_identity& identity = {})
    {
        detail::ckpt::writer w;
        const std::size_t at = detail::ckpt::begin_file(w, identity);
        detail::ckpt::write_lbfgs_payload(w, opt, false);
        return detail::ckpt::seal(w, at);
    }

    template <class V, detail::ckpt::parameters Params>
    std::vector<unsigned char> to_bytes(const lbfgs<V>& opt, const Params& params,
                                        const checkpoint_identity& identity = {})
    {
        detail::ckpt::check_identity_names(identity, detail::ckpt::param_count(params));
        detail::ckpt::writer w;
        const std::size_t at = detail::ckpt::begin_file(w, identity);
        detail::ckpt::write_lbfgs_payload(w, opt, true);
        detail::ckpt::write_params<lbfgs<V>>(w, params);
        return detail::ckpt::seal(w, at);
    }

    template <class V>
    void from_bytes(std::span<const unsigned char> bytes, lbfgs<V>& opt)
    {
        detail::ckpt::read_lbfgs<V, detail::ckpt::no_params>(bytes, opt, nullptr, nullptr);
    }

    template <class V>
    void from_bytes(std::span<const unsigned char> bytes, lbfgs<V>& opt, const checkpoint_identity& identity)
    {
        detail::ckpt::read_lbfgs<V, detail::ckpt::no_params>(bytes, opt, nullptr, &identity);
    }

    template <class V, detail::ckpt::parameters Params>
    void from_bytes(std::span<const unsigned char> bytes, lbfgs<V>& opt, Params& params)
    {
        detail::ckpt::read_lbfgs(bytes, opt, &params, nullptr);
    }

    template <class V, detail::ckpt::parameters Params>
    void from_bytes(std::span<const unsigned char> bytes, lbfgs<V>& opt, Params& params,
                    const checkpoint_identity& identity)
    {
        detail::ckpt::read_lbfgs(bytes, opt, &params, &identity);
    }
}
