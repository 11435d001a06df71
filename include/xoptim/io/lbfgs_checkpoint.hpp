#pragma once
// Checkpoints of xoptim::lbfgs, in the envelope of io/checkpoint.hpp (format 2: magic, version,
// byte order, payload size, FNV-1a 64 checksum; hyperparameters by name). The payload:
//
//   str kind "lbfgs", u8 element type, u8 flags (0x01: parameters follow)
//   u32 hyperparameter count, then each: str name, u8 type tag, u64 bits
//   u64 func_evals, u64 n_iter, u64 steps; f64 t, f64 prev_loss, V H_diag
//   u64 n (0 before the first iteration); d and prev_flat_grad, n values of V each
//   u64 pairs held (at most history_size), then each, oldest first: V ro, n values y, n values s
//   [u64 parameter count, then each: shape, values]
//
// Loading validates everything first and changes nothing on an error (checkpoint_error); the
// file's hyperparameters replace the optimizer's, as for the elementwise optimizers. A run
// resumed from a checkpoint continues bit for bit as the uninterrupted run.

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
            for (std::size_t i = 0; i < n; ++i)
            {
                const V v = r.value<V>(what);
                if (!(v - v == v - v))
                {
                    throw checkpoint_error(what + ": expected finite values, element " + std::to_string(i) + " is "
                                           + (v != v ? "nan" : "inf"));
                }
                out.data()[i] = v;
            }
        }

        template <class V, class Params>
        void read_lbfgs(std::span<const unsigned char> bytes, lbfgs<V>& opt, Params* params)
        {
            std::uint32_t file_version = 0;
            reader r = open_payload(bytes, file_version);
            if (file_version < 2)
            {
                throw checkpoint_error("format version: expected 2 for an lbfgs checkpoint, found "
                                       + std::to_string(file_version));
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
                if (!(v - v == v - v)) { throw checkpoint_error("t, prev_loss, H_diag: expected finite values, found " + std::string(v != v ? "nan" : "inf")); }
            }
            const std::uint64_t n = r.u64("size");
            if (n > r.remaining() / sizeof(V))
            {
                throw checkpoint_error("size: expected at most " + std::to_string(r.remaining() / sizeof(V))
                                       + " in the bytes left, found " + std::to_string(n));
            }
            if ((n == 0) != (st.n_iter == 0))
            {
                throw checkpoint_error("size: expected " + std::string(st.n_iter == 0 ? "0" : "at least 1") + " with n_iter "
                                       + std::to_string(st.n_iter) + ", found " + std::to_string(n));
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
                if (!(ros[i] - ros[i] == ros[i] - ros[i])) { throw checkpoint_error(what + " ro: expected a finite value"); }
                read_lbfgs_values(r, what + " old_dirs", static_cast<std::size_t>(n), ys[i]);
                read_lbfgs_values(r, what + " old_stps", static_cast<std::size_t>(n), ss[i]);
            }
            st.history.assign(std::move(ys), std::move(ss), ros);

            std::vector<xt::xtensor<V, 1>> staged;
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
                    throw checkpoint_error("parameter count: expected " + std::to_string(param_count(*params)) + ", found "
                                           + std::to_string(np));
                }
                std::size_t k = 0;
                std::vector<std::vector<std::size_t>> shapes;
                for (; k < np; ++k)
                {
                    const std::string pname = "parameter " + std::to_string(k);
                    std::size_t count = 0;
                    shapes.push_back(read_shape(r, pname, sizeof(V), count));
                    staged.emplace_back();
                    read_lbfgs_values(r, pname, count, staged.back());
                }
                if (params != nullptr)
                {
                    std::size_t total = 0;
                    for_each_param(*params, [&](std::size_t j, const auto& p) {
                        if (!xoptim::detail::same_shape(p.shape(), shapes[j]))
                        {
                            throw checkpoint_error("parameter " + std::to_string(j) + " shape: expected "
                                                   + xoptim::detail::shape_string(p.shape()) + ", found "
                                                   + shape_text(shapes[j]));
                        }
                        total += p.size();
                    });
                    if (n != 0 && total != n)
                    {
                        throw checkpoint_error("parameters: expected " + std::to_string(n) + " elements (the state's), found "
                                               + std::to_string(total));
                    }
                }
            }
            if (r.remaining() != 0)
            {
                throw checkpoint_error("payload: expected it to end at offset " + std::to_string(r.offset()) + ", found "
                                       + std::to_string(r.remaining()) + " more bytes");
            }

            // Everything is valid: commit.
            lbfgs<V> loaded(options);
            loaded.set_nonfinite_policy(opt.nonfinite());
            loaded.set_state(std::move(st));
            opt = std::move(loaded);
            if (params != nullptr)
            {
                for_each_param(*params, [&](std::size_t j, auto& p) {
                    std::copy(staged[j].begin(), staged[j].end(), p.template begin<xt::layout_type::row_major>());
                });
            }
        }
    }

    template <class V>
    std::vector<unsigned char> to_bytes(const lbfgs<V>& opt)
    {
        detail::ckpt::writer w;
        const std::size_t at = detail::ckpt::begin_file(w);
        detail::ckpt::write_lbfgs_payload(w, opt, false);
        return detail::ckpt::seal(w, at);
    }

    template <class V, class Params>
    std::vector<unsigned char> to_bytes(const lbfgs<V>& opt, const Params& params)
    {
        detail::ckpt::writer w;
        const std::size_t at = detail::ckpt::begin_file(w);
        detail::ckpt::write_lbfgs_payload(w, opt, true);
        detail::ckpt::write_params<lbfgs<V>>(w, params);
        return detail::ckpt::seal(w, at);
    }

    template <class V>
    void from_bytes(std::span<const unsigned char> bytes, lbfgs<V>& opt)
    {
        detail::ckpt::read_lbfgs<V, detail::ckpt::no_params>(bytes, opt, nullptr);
    }

    template <class V, class Params>
    void from_bytes(std::span<const unsigned char> bytes, lbfgs<V>& opt, Params& params)
    {
        detail::ckpt::read_lbfgs(bytes, opt, &params);
    }

    template <class V>
    void save_checkpoint(const std::filesystem::path& path, const lbfgs<V>& opt)
    {
        detail::ckpt::write_file_atomically(path, to_bytes(opt));
    }

    template <class V, class Params>
    void save_checkpoint(const std::filesystem::path& path, const lbfgs<V>& opt, const Params& params)
    {
        detail::ckpt::write_file_atomically(path, to_bytes(opt, params));
    }

    template <class V>
    void load_checkpoint(const std::filesystem::path& path, lbfgs<V>& opt)
    {
        const auto bytes = detail::ckpt::read_file(path);
        from_bytes(std::span<const unsigned char>(bytes), opt);
    }

    template <class V, class Params>
    void load_checkpoint(const std::filesystem::path& path, lbfgs<V>& opt, Params& params)
    {
        const auto bytes = detail::ckpt::read_file(path);
        from_bytes(std::span<const unsigned char>(bytes), opt, params);
    }
}
