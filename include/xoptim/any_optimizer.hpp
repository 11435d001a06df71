#pragma once
// any_optimizer<V>: any optimizer of value type V behind one type, and make_optimizer<V>(name,
// {{"lr", 1e-3}, ...}), which builds a named optimizer chosen at run time. Both drive the same
// typed optimizer and engine: a step costs one virtual call more than the typed one.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <xtensor/xarray.hpp>
#include <xtensor/xnoalias.hpp>

#include "core/optimizer.hpp"
#include "core/tensor_ref.hpp"
#include "io/checkpoint.hpp"
#include "optimizers.hpp"

namespace xoptim
{
    // A hyperparameter's name and value, as make_optimizer and add_group take them.
    using hyperparameter_setting = std::pair<std::string, double>;

    template <class V>
    class any_optimizer
    {
        static_assert(std::is_same_v<V, float> || std::is_same_v<V, double>, "xoptim: V must be float or double");

    public:
        using value_type = V;

        any_optimizer() = default;

        template <class Chain, class Policy>
        explicit any_optimizer(optimizer<Chain, V, Policy> opt)
            : m_self(std::make_unique<model<optimizer<Chain, V, Policy>>>(std::move(opt)))
        {}

        any_optimizer(const any_optimizer& other) : m_self(other.m_self ? other.m_self->clone() : nullptr) {}
        any_optimizer(any_optimizer&&) noexcept = default;
        any_optimizer& operator=(const any_optimizer& other)
        {
            if (this != &other) { m_self = other.m_self ? other.m_self->clone() : nullptr; }
            return *this;
        }
        any_optimizer& operator=(any_optimizer&&) noexcept = default;

        explicit operator bool() const noexcept { return m_self != nullptr; }

        const std::string& name() const { return self().name(); }
        std::size_t group_count() const { return self().group_count(); }

        // A group with group 0's hyperparameters but those named in `overrides`.
        std::size_t add_group(std::initializer_list<std::pair<std::string_view, double>> overrides = {})
        {
            std::vector<hyperparameter_setting> o;
            for (const auto& [k, v] : overrides) { o.emplace_back(std::string(k), v); }
            return self().add_group(o);
        }
        std::size_t add_group(const std::vector<hyperparameter_setting>& overrides)
        {
            return self().add_group(overrides);
        }

        // Registers tensors (of any rank and container type) as a group with the defaults but
        // `overrides`; step(grads) steps every registered group (core/optimizer.hpp).
        std::size_t add_group(std::vector<tensor_ref<V>> params,
                              std::initializer_list<std::pair<std::string_view, double>> overrides = {})
        {
            std::vector<hyperparameter_setting> o;
            for (const auto& [k, v] : overrides) { o.emplace_back(std::string(k), v); }
            return self().register_group(std::move(params), o);
        }
        std::size_t registered_count() const { return self().registered_count(); }

        // One step of every registered group; an absent gradient skips its tensor.
        bool step(std::span<const grad_ref<V>> grads) { return self().step_registered(grads); }
        bool step(std::initializer_list<grad_ref<V>> grads)
        {
            return self().step_registered(std::span<const grad_ref<V>>(grads.begin(), grads.size()));
        }

        std::vector<std::string> hyperparameter_names() const { return self().hyperparameter_names(); }
        // Each named hyperparameter of group 0's chain: path, qualified name, kind, help.
        std::vector<detail::named_entry> hyperparameter_entries() const { return self().entries(); }
        double get(std::size_t g, std::string_view name) const { return self().get(g, name); }
        void set(std::size_t g, std::string_view name, double value) { self().set(g, name, value); }
        // Sets several at once, checked together; nothing changes on an error.
        void set_all(std::size_t g, const std::vector<hyperparameter_setting>& values) { self().set_all(g, values); }

        double learning_rate(std::size_t g = 0) const { return self().learning_rate(g); }
        std::uint64_t step_count(std::size_t g = 0) const { return self().step_count(g); }
        std::uint64_t skipped_steps(std::size_t g = 0) const { return self().skipped_steps(g); }

        void set_nonfinite_policy(nonfinite_policy p) { self().set_nonfinite_policy(p); }
        nonfinite_policy nonfinite() const { return self().nonfinite(); }
        void set_threads(std::size_t n) { self().set_threads(n); }
        std::size_t threads() const { return self().threads(); }

        // One step on one tensor (group 0), packed or strided. A gradient without a buffer of
        // V (an expression, a tensor of another type) is evaluated first into a buffer the
        // optimizer keeps. Returns false if the step was skipped.
        // Inlined into the caller, as the typed optimizer's step is.
        template <class E, class G>
        XOPTIM_HOT_INLINE bool step(E&& param, const G& grad)
        {
            tensor_ref<V> p(param);
            return self().step_one(p, gradient_ref(grad));
        }

        // One step on the tensors of group g (tensors of V, of any rank, type and layout).
        template <class Ps, class Gs>
        requires(!std::is_convertible_v<Ps&, std::span<const tensor_ref<V>>>) bool step(std::size_t g, Ps& params,
                                                                                        const Gs& grads)
        {
            if (std::size(params) != std::size(grads))
            {
                throw std::invalid_argument("xoptim::any_optimizer::step: grads has " + std::to_string(std::size(grads))
                                            + " tensors but params has " + std::to_string(std::size(params)));
            }
            // One pass over both lists, each reference made in place (see make_gradient_ref)
            // in buffers that only grow: a loop of steps on the same lists allocates on its
            // first step only.
            const std::size_t n = std::size(params);
            if (m_params.size() < n)
            {
                m_params.resize(n);
                m_grads.resize(n);
            }
            tensor_ref<V>* pr = m_params.data();
            grad_ref<V>* gr = m_grads.data();
            auto git = std::begin(grads);
            for (std::size_t k = 0; auto& p : params)
            {
                std::construct_at(pr + k, p);
                make_gradient_ref(gr + k, *git, k);
                ++git;
                ++k;
            }
            return self().step_group(g, std::span<const tensor_ref<V>>(pr, n), std::span<const grad_ref<V>>(gr, n));
        }

        bool step(std::size_t g, std::span<const tensor_ref<V>> params, std::span<const grad_ref<V>> grads)
        {
            return self().step_group(g, params, grads);
        }

        // Makes the state of group g for these tensors (the eager policy needs it first).
        template <class Ps>
        void init(std::size_t g, Ps& params)
        {
            std::vector<tensor_ref<V>> refs;
            for (auto& p : params) { refs.emplace_back(p); }
            self().init(g, refs);
        }

        // ---- train and eval modes (schedule-free; core/optimizer.hpp) ------------------------
        // eval() moves the registered tensors to the point a user evaluates, train() back to
        // where gradients are taken; eval(w) / train(w) and eval(g, params) / train(g, params)
        // for tensors stepped without registration. An optimizer without modes has one point:
        // these do nothing and has_eval_mode() is false.
        bool has_eval_mode() const { return self().has_eval_mode(); }
        bool train_mode(std::size_t g = 0) const { return self().train_mode(g); }
        void eval() { self().switch_registered(false); }
        void train() { self().switch_registered(true); }
        template <class E>
        void eval(E&& param)
        {
            tensor_ref<V> p(param);
            self().switch_one(p, false);
        }
        template <class E>
        void train(E&& param)
        {
            tensor_ref<V> p(param);
            self().switch_one(p, true);
        }
        void eval(std::size_t g, std::span<const tensor_ref<V>> params) { self().switch_group(g, params, false); }
        void train(std::size_t g, std::span<const tensor_ref<V>> params) { self().switch_group(g, params, true); }

        // ---- checkpoints (io/checkpoint.hpp's format; the same bytes as the typed optimizer's)
        std::string checkpoint_kind() const { return self().kind(); }
        // With an identity: recorded by to_bytes, checked by from_bytes (checkpoint_identity).
        std::vector<unsigned char> to_bytes(const checkpoint_identity& identity = {}) const
        {
            return self().to_bytes(nullptr, identity);
        }
        template <detail::ckpt::parameters Params>
        std::vector<unsigned char> to_bytes(Params& params, const checkpoint_identity& identity = {}) const
        {
            auto refs = param_refs(params);
            return self().to_bytes(&refs, identity);
        }
        void from_bytes(std::span<const unsigned char> bytes) { self().from_bytes(bytes, nullptr, nullptr); }
        void from_bytes(std::span<const unsigned char> bytes, const checkpoint_identity& identity)
        {
            self().from_bytes(bytes, nullptr, &identity);
        }
        template <detail::ckpt::parameters Params>
        void from_bytes(std::span<const unsigned char> bytes, Params& params)
        {
            auto refs = param_refs(params);
            self().from_bytes(bytes, &refs, nullptr);
        }
        template <detail::ckpt::parameters Params>
        void from_bytes(std::span<const unsigned char> bytes, Params& params, const checkpoint_identity& identity)
        {
            auto refs = param_refs(params);
            self().from_bytes(bytes, &refs, &identity);
        }

        // The first hyperparameter in which this optimizer's group g differs from other's
        // ("" if none); an optimizer of another kind differs in its kind.
        std::string hyperparameter_difference(const any_optimizer& other, std::size_t g = 0) const
        {
            return self().difference(other.self(), g);
        }

        // The typed optimizer inside, or null if it is not an O.
        template <class O>
        O* target() noexcept
        {
            auto* m = dynamic_cast<model<O>*>(m_self.get());
            return m ? &m->opt : nullptr;
        }
        template <class O>
        const O* target() const noexcept
        {
            const auto* m = dynamic_cast<const model<O>*>(m_self.get());
            return m ? &m->opt : nullptr;
        }

    private:
        struct interface
        {
            virtual ~interface() = default;
            virtual std::unique_ptr<interface> clone() const = 0;
            virtual const std::string& name() const = 0;
            virtual std::size_t group_count() const = 0;
            virtual std::size_t add_group(const std::vector<hyperparameter_setting>& overrides) = 0;
            virtual std::size_t register_group(std::vector<tensor_ref<V>> params,
                                               const std::vector<hyperparameter_setting>& overrides) = 0;
            virtual std::size_t registered_count() const = 0;
            virtual bool step_registered(std::span<const grad_ref<V>> grads) = 0;
            virtual std::vector<std::string> hyperparameter_names() const = 0;
            virtual std::vector<detail::named_entry> entries() const = 0;
            virtual double get(std::size_t g, std::string_view name) const = 0;
            virtual void set(std::size_t g, std::string_view name, double value) = 0;
            virtual void set_all(std::size_t g, const std::vector<hyperparameter_setting>& values) = 0;
            virtual double learning_rate(std::size_t g) const = 0;
            virtual std::uint64_t step_count(std::size_t g) const = 0;
            virtual std::uint64_t skipped_steps(std::size_t g) const = 0;
            virtual void set_nonfinite_policy(nonfinite_policy p) = 0;
            virtual nonfinite_policy nonfinite() const = 0;
            virtual void set_threads(std::size_t n) = 0;
            virtual std::size_t threads() const = 0;
            virtual bool step_one(tensor_ref<V>& param, const grad_ref<V>& grad) = 0;
            virtual bool step_group(std::size_t g, std::span<const tensor_ref<V>> params,
                                    std::span<const grad_ref<V>> grads) = 0;
            virtual void init(std::size_t g, const std::vector<tensor_ref<V>>& params) = 0;
            virtual std::string kind() const = 0;
            virtual std::vector<unsigned char> to_bytes(std::vector<tensor_ref<V>>* params,
                                                        const checkpoint_identity& identity) const = 0;
            virtual void from_bytes(std::span<const unsigned char> bytes, std::vector<tensor_ref<V>>* params,
                                    const checkpoint_identity* identity) = 0;
            virtual std::string difference(const interface& other, std::size_t g) const = 0;
            virtual bool has_eval_mode() const = 0;
            virtual bool train_mode(std::size_t g) const = 0;
            virtual void switch_registered(bool to_train) = 0;
            virtual void switch_one(tensor_ref<V>& param, bool to_train) = 0;
            virtual void switch_group(std::size_t g, std::span<const tensor_ref<V>> params, bool to_train) = 0;
        };

        template <class O>
        struct model final : interface
        {
            explicit model(O o) : opt(std::move(o)) {}
            std::unique_ptr<interface> clone() const override { return std::make_unique<model>(*this); }
            const std::string& name() const override { return opt.name(); }
            std::size_t group_count() const override { return opt.group_count(); }
            std::size_t add_group(const std::vector<hyperparameter_setting>& overrides) override
            {
                return opt.add_group(overrides);
            }
            std::size_t register_group(std::vector<tensor_ref<V>> params,
                                       const std::vector<hyperparameter_setting>& overrides) override
            {
                return opt.add_group(std::move(params), overrides);
            }
            std::size_t registered_count() const override { return opt.registered_count(); }
            bool step_registered(std::span<const grad_ref<V>> grads) override { return opt.step(grads); }
            std::vector<std::string> hyperparameter_names() const override { return opt.hyperparameter_names(); }
            std::vector<detail::named_entry> entries() const override { return opt.rule(0).hyperparameter_entries(); }
            double get(std::size_t g, std::string_view name) const override { return opt.get(g, name); }
            void set(std::size_t g, std::string_view name, double value) override { opt.set(g, name, value); }
            void set_all(std::size_t g, const std::vector<hyperparameter_setting>& values) override
            {
                opt.set_all(g, values);
            }
            double learning_rate(std::size_t g) const override { return opt.learning_rate(g); }
            std::uint64_t step_count(std::size_t g) const override { return opt.step_count(g); }
            std::uint64_t skipped_steps(std::size_t g) const override { return opt.skipped_steps(g); }
            void set_nonfinite_policy(nonfinite_policy p) override { opt.set_nonfinite_policy(p); }
            nonfinite_policy nonfinite() const override { return opt.nonfinite(); }
            void set_threads(std::size_t n) override { opt.set_threads(n); }
            std::size_t threads() const override { return opt.threads(); }
            bool step_one(tensor_ref<V>& param, const grad_ref<V>& grad) override { return opt.step(param, grad); }
            bool step_group(std::size_t g, std::span<const tensor_ref<V>> params,
                            std::span<const grad_ref<V>> grads) override
            {
                return opt.step(g, params, grads);
            }
            void init(std::size_t g, const std::vector<tensor_ref<V>>& params) override { opt.init(g, params); }
            std::string kind() const override { return xoptim::checkpoint_kind<O>(); }
            std::vector<unsigned char> to_bytes(std::vector<tensor_ref<V>>* params,
                                                const checkpoint_identity& identity) const override
            {
                return params ? xoptim::to_bytes(opt, *params, identity) : xoptim::to_bytes(opt, identity);
            }
            void from_bytes(std::span<const unsigned char> bytes, std::vector<tensor_ref<V>>* params,
                            const checkpoint_identity* identity) override
            {
                if (params && identity) { xoptim::from_bytes(bytes, opt, *params, *identity); }
                else if (params) { xoptim::from_bytes(bytes, opt, *params); }
                else if (identity) { xoptim::from_bytes(bytes, opt, *identity); }
                else { xoptim::from_bytes(bytes, opt); }
            }
            std::string difference(const interface& other, std::size_t g) const override
            {
                const auto* same = dynamic_cast<const model*>(&other);
                if (same == nullptr) { return "optimizer kind: expected " + kind() + ", found " + other.kind(); }
                return xoptim::hyperparameter_difference(opt.rule(g), same->opt.rule(g));
            }
            static constexpr bool modes = O::rule_type::has_mode_switch;
            bool has_eval_mode() const override { return modes; }
            bool train_mode(std::size_t g) const override
            {
                if constexpr (modes) { return opt.train_mode(g); }
                else { return (void)opt.group(g), true; }
            }
            void switch_registered(bool to_train) override
            {
                if constexpr (modes) { to_train ? opt.train() : opt.eval(); }
            }
            void switch_one(tensor_ref<V>& param, bool to_train) override
            {
                if constexpr (modes) { to_train ? opt.train(param) : opt.eval(param); }
            }
            void switch_group(std::size_t g, std::span<const tensor_ref<V>> params, bool to_train) override
            {
                if constexpr (modes) { to_train ? opt.train(g, params) : opt.eval(g, params); }
            }
            O opt;
        };

        interface& self()
        {
            if (!m_self) { throw std::logic_error("xoptim::any_optimizer: empty (no optimizer was given)"); }
            return *m_self;
        }
        const interface& self() const
        {
            if (!m_self) { throw std::logic_error("xoptim::any_optimizer: empty (no optimizer was given)"); }
            return *m_self;
        }

        // The gradient as a contiguous tensor of V, made in place at `out`: itself if it is
        // one, else evaluated into scratch buffer k (kept, so that a loop of steps allocates
        // only on the first). In place, because a reference (160 bytes) built on the stack and
        // then copied is read back with wide loads from the narrow stores that just wrote
        // it, which the store buffer cannot forward: a stall per tensor.
        template <class G>
        XOPTIM_HOT_INLINE void make_gradient_ref(grad_ref<V>* out, const G& grad, std::size_t k)
        {
            if constexpr (std::is_same_v<std::remove_cvref_t<G>,
                                         grad_ref<V>> || std::is_same_v<std::remove_cvref_t<G>, tensor_ref<V>>)
            {
                std::construct_at(out, grad);
            }
            else
            {
                if constexpr (std::is_same_v<std::remove_cv_t<typename std::decay_t<G>::value_type>, V>)
                {
                    // The reference holds its own copy of the shape: nothing is allocated. A
                    // strided tensor is referred to as well, and staged by the engine.
                    if (referable(grad))
                    {
                        std::construct_at(out, grad);
                        return;
                    }
                }
                evaluate_gradient(out, grad, k);
            }
        }

        // The same for the one gradient of a single-tensor step, made where it is returned.
        template <class G>
        XOPTIM_HOT_INLINE grad_ref<V> gradient_ref(const G& grad)
        {
            if constexpr (std::is_same_v<std::remove_cvref_t<G>,
                                         grad_ref<V>> || std::is_same_v<std::remove_cvref_t<G>, tensor_ref<V>>)
            {
                return grad_ref<V>(grad);
            }
            else
            {
                if constexpr (std::is_same_v<std::remove_cv_t<typename std::decay_t<G>::value_type>, V>)
                {
                    if (referable(grad)) { return grad_ref<V>(grad); }
                }
                grad_ref<V> evaluated;
                evaluate_gradient(&evaluated, grad, 0);
                return evaluated;
            }
        }

        // Whether a gradient of value type V has a buffer a grad_ref can point into.
        template <class G>
        static bool referable(const G& grad) noexcept
        {
            if constexpr (detail::has_strided_data<const G>) { return true; }
            else { return detail::contiguous_data(grad) != nullptr; }
        }

        // Out of line: its frame (an xarray resize, an assignment) would otherwise be set up
        // for every tensor of a step whose gradients are all contiguous.
        template <class G>
        XOPTIM_OUT_OF_LINE void evaluate_gradient(grad_ref<V>* out, const G& grad, std::size_t k)
        {
            if (m_scratch.size() <= k) { m_scratch.resize(k + 1); }
            auto& buf = m_scratch[k];
            const auto& s = grad.shape();
            buf.resize(std::vector<std::size_t>(s.begin(), s.end()));
            xt::noalias(buf) = grad;
            std::construct_at(out, buf.data(), std::span<const std::size_t>(buf.shape().data(), buf.shape().size()));
        }

        template <class Params>
        static std::vector<tensor_ref<V>> param_refs(Params& params)
        {
            std::vector<tensor_ref<V>> refs;
            if constexpr (requires {
                              params.shape();
                              params.size();
                              typename Params::value_type;
                          })
            {
                refs.emplace_back(params);
            }
            else
            {
                for (auto& p : params) { refs.emplace_back(p); }
            }
            return refs;
        }

        std::unique_ptr<interface> m_self;
        std::vector<tensor_ref<V>> m_params;
        std::vector<grad_ref<V>> m_grads;
        std::vector<xt::xarray<V>> m_scratch;
    };

    // ---- checkpoints of an any_optimizer ------------------------------------------------------
    template <class V>
    void save_checkpoint(const std::filesystem::path& path, const any_optimizer<V>& opt,
                         const checkpoint_identity& identity = {})
    {
        detail::ckpt::write_file_atomically(path, opt.to_bytes(identity));
    }
    template <class V, detail::ckpt::parameters Params>
    void save_checkpoint(const std::filesystem::path& path, const any_optimizer<V>& opt, Params& params,
                         const checkpoint_identity& identity = {})
    {
        detail::ckpt::write_file_atomically(path, opt.to_bytes(params, identity));
    }
    template <class V>
    void load_checkpoint(const std::filesystem::path& path, any_optimizer<V>& opt)
    {
        const auto bytes = detail::ckpt::read_file(path);
        opt.from_bytes(std::span<const unsigned char>(bytes));
    }
    template <class V>
    void load_checkpoint(const std::filesystem::path& path, any_optimizer<V>& opt, const checkpoint_identity& identity)
    {
        const auto bytes = detail::ckpt::read_file(path);
        opt.from_bytes(std::span<const unsigned char>(bytes), identity);
    }
    template <class V, detail::ckpt::parameters Params>
    void load_checkpoint(const std::filesystem::path& path, any_optimizer<V>& opt, Params& params)
    {
        const auto bytes = detail::ckpt::read_file(path);
        opt.from_bytes(std::span<const unsigned char>(bytes), params);
    }
    template <class V, detail::ckpt::parameters Params>
    void load_checkpoint(const std::filesystem::path& path, any_optimizer<V>& opt, Params& params,
                         const checkpoint_identity& identity)
    {
        const auto bytes = detail::ckpt::read_file(path);
        opt.from_bytes(std::span<const unsigned char>(bytes), params, identity);
    }

    // ---- the named optimizers, chosen at run time --------------------------------------------

    namespace detail
    {
        // The optimizer `made` (a factory's, with its defaults) rebuilt with `settings` applied
        // to its defaults, so that groups added later start from them too.
        template <class V, class O>
        any_optimizer<V> with_settings(O made, const std::vector<hyperparameter_setting>& settings)
        {
            auto rule = made.rule();
            rule.template set_all<V>(settings, step_info{1}, made.name());
            return any_optimizer<V>(O(std::move(rule), {}, made.name()));
        }
    }

    // What make_optimizer knows of a named optimizer: its factory with defaults, the chain's
    // names it does not take (fixed by the optimizer: nesterov's `nesterov`), and options named
    // otherwise than in the chain (Adagrad's lr_decay is its schedule's decay).
    template <class V>
    struct optimizer_entry
    {
        std::string_view name;
        std::string_view summary;
        any_optimizer<V> (*make)(const std::vector<hyperparameter_setting>& settings);
        std::vector<std::string_view> fixed;
        std::vector<std::pair<std::string_view, std::string_view>> aliases;  // option name, chain name
    };

    template <class V>
    const std::vector<optimizer_entry<V>>& optimizer_registry()
    {
        static const std::vector<optimizer_entry<V>> table = {
            {"sgd",
             "PyTorch SGD; weight_decay adds wd*theta to the gradient (L2)",
             [](const std::vector<hyperparameter_setting>& s) { return detail::with_settings<V>(sgd<V>(), s); },
             {},
             {}},
            {"momentum",
             "SGD with heavy-ball momentum; weight_decay as sgd",
             [](const std::vector<hyperparameter_setting>& s) { return detail::with_settings<V>(momentum<V>(), s); },
             {"nesterov"},
             {}},
            {"nesterov",
             "SGD with Nesterov momentum; weight_decay as sgd",
             [](const std::vector<hyperparameter_setting>& s) { return detail::with_settings<V>(nesterov<V>(), s); },
             {"nesterov", "dampening"},
             {}},
            {"adam",
             "Adam (amsgrad: AMSGrad); weight_decay is L2, added to the gradient",
             [](const std::vector<hyperparameter_setting>& s) { return detail::with_settings<V>(adam<V>(), s); },
             {},
             {}},
            {"amsgrad",
             "Adam with the running maximum of v; weight_decay as adam",
             [](const std::vector<hyperparameter_setting>& s) { return detail::with_settings<V>(amsgrad<V>(), s); },
             {"amsgrad"},
             {}},
            {"adamw",
             "AdamW; weight_decay is decoupled, theta -= lr*wd*theta",
             [](const std::vector<hyperparameter_setting>& s) { return detail::with_settings<V>(adamw<V>(), s); },
             {},
             {}},
            {"lamb",
             "LAMB; weight_decay is added to the update inside the trust ratio",
             [](const std::vector<hyperparameter_setting>& s) { return detail::with_settings<V>(lamb<V>(), s); },
             {"amsgrad"},
             {}},
            {"lars",
             "LARS; weight_decay enters the local rate and the update",
             [](const std::vector<hyperparameter_setting>& s) { return detail::with_settings<V>(lars<V>(), s); },
             {"dampening", "nesterov"},
             {}},
            {"rmsprop",
             "RMSprop; weight_decay is L2, added to the gradient",
             [](const std::vector<hyperparameter_setting>& s) { return detail::with_settings<V>(rmsprop<V>(), s); },
             {"dampening", "nesterov"},
             {}},
            {"adagrad",
             "Adagrad; weight_decay is L2, added to the gradient",
             [](const std::vector<hyperparameter_setting>& s) { return detail::with_settings<V>(adagrad<V>(), s); },
             {"schedule.lr", "schedule.decay"},
             {{"lr", "schedule.lr"}, {"lr_decay", "schedule.decay"}}},
            {"lion",
             "Lion; weight_decay is decoupled, theta -= lr*wd*theta",
             [](const std::vector<hyperparameter_setting>& s) { return detail::with_settings<V>(lion<V>(), s); },
             {},
             {}},
            {"nadam",
             "NAdam; weight_decay is L2, or decoupled (theta -= lr*wd*theta) with decoupled_weight_decay",
             [](const std::vector<hyperparameter_setting>& s) { return detail::with_settings<V>(nadam<V>(), s); },
             {},
             {}},
            {"radam",
             "RAdam; weight_decay is L2, or decoupled (theta -= lr*wd*theta) with decoupled_weight_decay",
             [](const std::vector<hyperparameter_setting>& s) { return detail::with_settings<V>(radam<V>(), s); },
             {},
             {}},
            {"adamax",
             "Adamax (Adam with the infinity norm); weight_decay is L2, added to the gradient",
             [](const std::vector<hyperparameter_setting>& s) { return detail::with_settings<V>(adamax<V>(), s); },
             {},
             {}},
            {"adadelta",
             "Adadelta; weight_decay is L2, added to the gradient",
             [](const std::vector<hyperparameter_setting>& s) { return detail::with_settings<V>(adadelta<V>(), s); },
             {},
             {}},
            {"rprop",
             "Rprop (full-batch): per-element step sizes from the gradient's sign; lr is the first step size",
             [](const std::vector<hyperparameter_setting>& s) { return detail::with_settings<V>(rprop<V>(), s); },
             {},
             {}},
            {"asgd",
             "Averaged SGD; weight_decay is L2, added to the gradient; the average ax starts after t0 steps",
             [](const std::vector<hyperparameter_setting>& s) { return detail::with_settings<V>(asgd<V>(), s); },
             {},
             {}},
            {"adafactor",
             "Adafactor (torch 2.5): factored second moments, relative step, update clipping; weight_decay is "
             "decoupled, theta -= lr*wd*theta",
             [](const std::vector<hyperparameter_setting>& s) { return detail::with_settings<V>(adafactor<V>(), s); },
             {},
             {}},
            {"sgd_schedule_free",
             "Schedule-free SGD; weight_decay is L2 at y; eval() gives the averaged x",
             [](const std::vector<hyperparameter_setting>& s) {
                 return detail::with_settings<V>(sgd_schedule_free<V>(), s);
             },
             {},
             {}},
            {"adamw_schedule_free",
             "Schedule-free AdamW; weight_decay is taken at y after the normalisation; eval() gives x",
             [](const std::vector<hyperparameter_setting>& s) {
                 return detail::with_settings<V>(adamw_schedule_free<V>(), s);
             },
             {},
             {}},
        };
        return table;
    }

    // The names make_optimizer takes, in a fixed order.
    template <class V = double>
    std::vector<std::string_view> optimizer_names()
    {
        std::vector<std::string_view> out;
        for (const auto& e : optimizer_registry<V>()) { out.push_back(e.name); }
        return out;
    }

    namespace detail
    {
        template <class V>
        const optimizer_entry<V>& find_optimizer(std::string_view name)
        {
            for (const auto& e : optimizer_registry<V>())
            {
                if (e.name == name) { return e; }
            }
            std::string names;
            for (const auto n : optimizer_names<V>()) { names += (names.empty() ? "" : ", ") + std::string(n); }
            throw std::invalid_argument("xoptim::make_optimizer: unknown optimizer '" + std::string(name)
                                        + "' (choose from: " + names + ")");
        }
    }

    // One option a named optimizer takes: its name, whether it is a switch (bool), its default
    // and its help line, from the declarations of its chain.
    struct optimizer_option
    {
        std::string name;
        bool is_bool;
        double default_value;
        std::string_view help;
    };

    // The options of named optimizer `name`, the rate first, then in chain order.
    template <class V = double>
    std::vector<optimizer_option> optimizer_options(std::string_view name)
    {
        const auto& e = detail::find_optimizer<V>(name);
        const any_optimizer<V> opt = e.make({});
        std::vector<optimizer_option> out;
        auto is_fixed = [&](std::string_view n) {
            return std::find(e.fixed.begin(), e.fixed.end(), n) != e.fixed.end();
        };
        auto is_alias = [&](std::string_view n) {
            return std::any_of(e.aliases.begin(), e.aliases.end(), [&](const auto& a) { return a.first == n; });
        };
        for (const auto& info : opt.hyperparameter_entries())
        {
            if (!info.option || is_fixed(info.path) || is_alias(info.path)) { continue; }
            out.push_back({info.path, info.is_bool, opt.get(0, info.path), info.help});
        }
        for (const auto& [alias, target] : e.aliases)
        {
            for (const auto& info : opt.hyperparameter_entries())
            {
                if (info.path == target)
                {
                    out.push_back({std::string(alias), info.is_bool, opt.get(0, target), info.help});
                }
            }
        }
        // The rate first, the rest in chain order (a plain loop: no temporary buffer).
        std::vector<optimizer_option> ordered;
        ordered.reserve(out.size());
        for (const auto& o : out)
        {
            if (o.name == "lr") { ordered.push_back(o); }
        }
        for (const auto& o : out)
        {
            if (o.name != "lr") { ordered.push_back(o); }
        }
        return ordered;
    }

    // Named optimizer `name` (sgd, momentum, nesterov, adam, amsgrad, adamw, lamb, lars,
    // rmsprop, adagrad, lion, nadam, radam, adamax, adadelta, rprop, asgd, adafactor, sgd_schedule_free,
    // adamw_schedule_free) with PyTorch's (or the reference's) defaults but the hyperparameters in `settings`.
    // An unknown optimizer, a name it does not take, or an invalid value is an
    // std::invalid_argument saying so.
    template <class V = double>
    any_optimizer<V> make_optimizer(std::string_view name, const std::vector<hyperparameter_setting>& settings = {})
    {
        const auto& e = detail::find_optimizer<V>(name);
        const auto options = optimizer_options<V>(name);
        std::vector<hyperparameter_setting> chain_settings;
        for (const auto& setting : settings)
        {
            // Named, not a structured binding: clang 14 cannot capture a binding in a lambda.
            const std::string& key = setting.first;
            const double value = setting.second;
            const bool taken =
                std::any_of(options.begin(), options.end(), [&](const auto& o) { return o.name == key; });
            if (!taken)
            {
                std::string takes;
                for (const auto& o : options) { takes += (takes.empty() ? "" : ", ") + o.name; }
                throw std::invalid_argument(std::string(name) + ": '" + key
                                            + "' is not one of its hyperparameters (it takes " + takes + ")");
            }
            std::string target = key;
            for (const auto& [alias, chain_name] : e.aliases)
            {
                if (alias == key) { target = std::string(chain_name); }
            }
            chain_settings.emplace_back(target, value);
        }
        return e.make(chain_settings);
    }

    template <class V = double>
    any_optimizer<V> make_optimizer(std::string_view name,
                                    std::initializer_list<std::pair<std::string_view, double>> settings)
    {
        std::vector<hyperparameter_setting> s;
        for (const auto& [k, v] : settings) { s.emplace_back(std::string(k), v); }
        return make_optimizer<V>(name, s);
    }

    // One line about named optimizer `name`: what it is and what its weight_decay means.
    template <class V = double>
    std::string_view optimizer_summary(std::string_view name)
    {
        return detail::find_optimizer<V>(name).summary;
    }
}

// The registry builds every named optimizer, so each translation unit that calls make_optimizer
// (or optimizer_names, optimizer_options, optimizer_summary) compiles all of them. A program that
// does so in several units can compile them once: define XOPTIM_ANY_OPTIMIZER_EXTERN in every
// unit and include <xoptim/any_optimizer_instances.hpp> in exactly one.
#if defined(XOPTIM_ANY_OPTIMIZER_EXTERN)
namespace xoptim
{
    extern template const std::vector<optimizer_entry<double>>& optimizer_registry<double>();
    extern template const std::vector<optimizer_entry<float>>& optimizer_registry<float>();
}
#endif
