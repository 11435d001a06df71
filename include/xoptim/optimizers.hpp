#pragma once
// The named optimizers: compositions of rules with PyTorch's hyperparameter names, meanings and
// defaults (where PyTorch has the optimizer). Each factory checks its options and names the
// optimizer in its errors; `optimizer<...>` is the type that holds groups and state.

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/chain.hpp"
#include "core/optimizer.hpp"
#include "core/state.hpp"
#include "core/validate.hpp"
#include "rules/add_decayed_weights.hpp"
#include "rules/scale_by_adadelta.hpp"
#include "rules/scale_by_adam.hpp"
#include "rules/scale_by_adamax.hpp"
#include "rules/scale_by_asgd.hpp"
#include "rules/scale_by_bias_corrected_rms.hpp"
#include "rules/scale_by_factored_rms.hpp"
#include "rules/scale_by_lars_ratio.hpp"
#include "rules/scale_by_lion.hpp"
#include "rules/scale_by_lr.hpp"
#include "rules/scale_by_nadam.hpp"
#include "rules/scale_by_radam.hpp"
#include "rules/scale_by_relative_step.hpp"
#include "rules/scale_by_rms.hpp"
#include "rules/scale_by_rprop.hpp"
#include "rules/scale_by_rss.hpp"
#include "rules/scale_by_trust_ratio.hpp"
#include "rules/schedule_free.hpp"
#include "rules/trace.hpp"
#include "rules/with_weight_decay.hpp"
#include "schedules.hpp"

namespace xoptim
{
    // ---- chains ------------------------------------------------------------------------
    template <schedule S = double>
    using sgd_rule = chain<add_weight_decay, trace, scale_by_lr<S>>;
    template <schedule S = double>
    using adam_rule = chain<add_weight_decay, scale_by_adam, scale_by_lr<S>>;
    template <schedule S = double>
    using adamw_rule = chain<scale_by_adam, add_decayed_weights, scale_by_lr<S>>;
    template <schedule S = double>
    using lamb_rule = chain<scale_by_adam, add_decayed_weights, scale_by_trust_ratio, scale_by_lr<S>>;
    template <schedule S = double>
    using lars_rule = chain<scale_by_lars_ratio, scale_by_lr<S>, trace>;
    template <schedule S = double>
    using rmsprop_rule = chain<add_weight_decay, scale_by_rms, trace, scale_by_lr<S>>;
    template <schedule S = inverse_time_decay>
    using adagrad_rule = chain<add_weight_decay, scale_by_rss, scale_by_lr<S>>;
    template <schedule S = double>
    using lion_rule = chain<scale_by_lion, add_decayed_weights, scale_by_lr<S>>;
    template <schedule S = double>
    using nadam_rule = chain<with_weight_decay<scale_by_nadam>, scale_by_lr<S>>;
    template <schedule S = double>
    using radam_rule = chain<with_weight_decay<scale_by_radam>, scale_by_lr<S>>;
    template <schedule S = double>
    using adamax_rule = chain<add_weight_decay, scale_by_adamax, scale_by_lr<S>>;
    template <schedule S = double>
    using adadelta_rule = chain<add_weight_decay, scale_by_adadelta, scale_by_lr<S>>;
    // Rprop's lr is the step size each element starts from, not a rate (no schedule).
    using rprop_rule = chain<scale_by_rprop>;
    // ASGD's rate is inside its rule: eta_t decays from lr (no schedule).
    using asgd_rule = chain<add_weight_decay, scale_by_asgd>;
    // Adafactor's lr is the cap of its relative step size (no schedule); three passes.
    using adafactor_rule = chain<scale_by_factored_rms, scale_by_relative_step>;

    // ---- options (PyTorch's names and defaults) -------------------------------------------
    // The learning rate of an options struct: a number, and whether the user gave it (so that
    // a rate given together with a schedule is an error rather than silently ignored).
    class lr_option
    {
    public:
        constexpr lr_option(double value) noexcept : m_value(value), m_given(true) {}
        static constexpr lr_option defaulted(double value) noexcept
        {
            lr_option o(value);
            o.m_given = false;
            return o;
        }
        constexpr operator double() const noexcept { return m_value; }
        constexpr double value() const noexcept { return m_value; }
        constexpr bool given() const noexcept { return m_given; }

    private:
        double m_value;
        bool m_given;
    };

    struct sgd_options
    {
        lr_option lr = lr_option::defaulted(1e-3);
        double momentum = 0.0;
        double dampening = 0.0;
        double weight_decay = 0.0;
        bool nesterov = false;
    };
    // `momentum` and `nesterov` are SGD with other defaults.
    struct momentum_options
    {
        lr_option lr = lr_option::defaulted(1e-3);
        double momentum = 0.9;
        double dampening = 0.0;
        double weight_decay = 0.0;
    };
    struct nesterov_options
    {
        lr_option lr = lr_option::defaulted(1e-3);
        double momentum = 0.9;
        double weight_decay = 0.0;
    };
    struct adam_options
    {
        lr_option lr = lr_option::defaulted(1e-3);
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;
        double weight_decay = 0.0;
    };
    struct adamw_options
    {
        lr_option lr = lr_option::defaulted(1e-3);
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;
        double weight_decay = 1e-2;
        bool amsgrad = false;
    };
    struct lamb_options
    {
        lr_option lr = lr_option::defaulted(1e-3);
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-6;
        double weight_decay = 0.0;
        double trust_clip = 0.0;  // upper clamp of the trust ratio; 0: none
        bool trust_ratio = true;  // false: no trust ratio (a group of biases and norms)
    };
    struct lars_options
    {
        lr_option lr = lr_option::defaulted(0.1);
        double momentum = 0.9;
        double weight_decay = 0.0;
        double trust_coefficient = 0.001;
        bool trust_ratio = true;  // false: no local rate (a group of biases and norms)
    };
    struct rmsprop_options
    {
        lr_option lr = lr_option::defaulted(1e-2);
        double alpha = 0.99;
        double eps = 1e-8;
        double weight_decay = 0.0;
        double momentum = 0.0;
        bool centered = false;
    };
    struct adagrad_options
    {
        lr_option lr = lr_option::defaulted(1e-2);
        double lr_decay = 0.0;
        double weight_decay = 0.0;
        double initial_accumulator_value = 0.0;
        double eps = 1e-10;
    };
    struct lion_options
    {
        lr_option lr = lr_option::defaulted(1e-4);
        double beta1 = 0.9;
        double beta2 = 0.99;
        double weight_decay = 0.0;
    };

    struct nadam_options
    {
        lr_option lr = lr_option::defaulted(2e-3);
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;
        double weight_decay = 0.0;
        double momentum_decay = 4e-3;
        bool decoupled_weight_decay = false;
    };
    struct radam_options
    {
        lr_option lr = lr_option::defaulted(1e-3);
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;
        double weight_decay = 0.0;
        bool decoupled_weight_decay = false;
    };
    struct adamax_options
    {
        lr_option lr = lr_option::defaulted(2e-3);
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;
        double weight_decay = 0.0;
    };
    struct adadelta_options
    {
        lr_option lr = lr_option::defaulted(1.0);
        double rho = 0.9;
        double eps = 1e-6;
        double weight_decay = 0.0;
    };
    // PyTorch's etas = (eta_minus, eta_plus) and step_sizes = (step_size_min, step_size_max).
    struct rprop_options
    {
        double lr = 1e-2;
        double eta_minus = 0.5;
        double eta_plus = 1.2;
        double step_size_min = 1e-6;
        double step_size_max = 50.0;
    };
    struct asgd_options
    {
        double lr = 1e-2;
        double lambd = 1e-4;
        double alpha = 0.75;
        double t0 = 1e6;
        double weight_decay = 0.0;
    };
    // torch 2.5's Adafactor; eps = (eps1, eps2), eps1 = -1 for torch's None (machine epsilon).
    struct adafactor_options
    {
        double lr = 1e-2;
        double beta2_decay = -0.8;
        double eps1 = -1.0;
        double eps2 = 1e-3;
        double d = 1.0;
        double weight_decay = 0.0;
        bool maximize = false;
    };

    namespace detail
    {
        // The one check a factory makes itself: a rate and a schedule are not both given.
        template <schedule S>
        void check_no_rate_with(const char* who, const lr_option& lr, const S& s)
        {
            if constexpr (std::is_arithmetic_v<S>)
            {
                // A constant given twice must be the same constant.
                if (lr.given() && lr.value() != static_cast<double>(s))
                {
                    throw std::invalid_argument(std::string(who) + ": lr = " + format_value(lr.value())
                                                + " and a constant rate " + format_value(static_cast<double>(s))
                                                + " were both given; give one");
                }
            }
            else if (lr.given())
            {
                std::string schedule_name = "a schedule";
                if constexpr (requires { S::name; }) { schedule_name = std::string(S::name); }
                throw std::invalid_argument(std::string(who) + ": lr = " + format_value(lr.value())
                                            + " and a schedule (" + schedule_name
                                            + ") were both given; the schedule sets the rate, so leave lr out");
            }
        }

        // The optimizer of chain `rule`, named `who`: every hyperparameter is checked from its
        // declaration, each error naming `who`, the hyperparameter and its value.
        template <class V, class Chain>
        auto named(const char* who, Chain rule)
        {
            return optimizer<Chain, V>(std::move(rule), {}, who);
        }
    }

    // ---- factories -------------------------------------------------------------------------
    // Each takes its options, and optionally a schedule that replaces the constant `lr` (then
    // `lr` must not be given).

    template <class V = double, schedule S>
    auto sgd(const sgd_options& o, S lr)
    {
        detail::check_no_rate_with<S>("sgd", o.lr, lr);
        return detail::named<V>("sgd", sgd_rule<S>(add_weight_decay{o.weight_decay},
                                                   trace{o.momentum, o.dampening, o.nesterov}, scale_by_lr<S>{lr}));
    }
    template <class V = double>
    auto sgd(const sgd_options& o = {})
    {
        return detail::named<V>("sgd", sgd_rule<double>(add_weight_decay{o.weight_decay},
                                                        trace{o.momentum, o.dampening, o.nesterov},
                                                        scale_by_lr<double>{o.lr}));
    }

    namespace detail
    {
        template <class V, schedule S>
        auto make_sgd(const char* who, double weight_decay, double momentum, double dampening, bool nesterov, S lr)
        {
            return named<V>(who, sgd_rule<S>(add_weight_decay{weight_decay}, trace{momentum, dampening, nesterov},
                                             scale_by_lr<S>{lr}));
        }
    }

    template <class V = double, schedule S>
    auto momentum(const momentum_options& o, S lr)
    {
        detail::check_no_rate_with<S>("momentum", o.lr, lr);
        return detail::make_sgd<V>("momentum", o.weight_decay, o.momentum, o.dampening, false, lr);
    }
    template <class V = double>
    auto momentum(const momentum_options& o = {})
    {
        return detail::make_sgd<V>("momentum", o.weight_decay, o.momentum, o.dampening, false, o.lr.value());
    }

    template <class V = double, schedule S>
    auto nesterov(const nesterov_options& o, S lr)
    {
        detail::check_no_rate_with<S>("nesterov", o.lr, lr);
        return detail::make_sgd<V>("nesterov", o.weight_decay, o.momentum, 0.0, true, lr);
    }
    template <class V = double>
    auto nesterov(const nesterov_options& o = {})
    {
        return detail::make_sgd<V>("nesterov", o.weight_decay, o.momentum, 0.0, true, o.lr.value());
    }

    namespace detail
    {
        template <class V, schedule S>
        auto make_adam(const char* who, const adam_options& o, S lr, bool amsgrad)
        {
            return named<V>(who, adam_rule<S>(add_weight_decay{o.weight_decay},
                                              scale_by_adam{o.beta1, o.beta2, o.eps, amsgrad}, scale_by_lr<S>{lr}));
        }
    }

    template <class V = double, schedule S>
    auto adam(const adam_options& o, S lr)
    {
        detail::check_no_rate_with<S>("adam", o.lr, lr);
        return detail::make_adam<V>("adam", o, lr, false);
    }
    template <class V = double>
    auto adam(const adam_options& o = {})
    {
        return detail::make_adam<V>("adam", o, o.lr.value(), false);
    }

    // Adam with the maximum of past second moments in the denominator.
    template <class V = double, schedule S>
    auto amsgrad(const adam_options& o, S lr)
    {
        detail::check_no_rate_with<S>("amsgrad", o.lr, lr);
        return detail::make_adam<V>("amsgrad", o, lr, true);
    }
    template <class V = double>
    auto amsgrad(const adam_options& o = {})
    {
        return detail::make_adam<V>("amsgrad", o, o.lr.value(), true);
    }

    namespace detail
    {
        template <class V, schedule S>
        auto make_adamw(const adamw_options& o, S lr)
        {
            return named<V>("adamw", adamw_rule<S>(scale_by_adam{o.beta1, o.beta2, o.eps, o.amsgrad},
                                                   add_decayed_weights{o.weight_decay}, scale_by_lr<S>{lr}));
        }
        template <class V, schedule S>
        auto make_lamb(const lamb_options& o, S lr)
        {
            return named<V>(
                "lamb", lamb_rule<S>(scale_by_adam{o.beta1, o.beta2, o.eps, false}, add_decayed_weights{o.weight_decay},
                                     scale_by_trust_ratio{o.trust_clip, o.trust_ratio}, scale_by_lr<S>{lr}));
        }
        template <class V, schedule S>
        auto make_lars(const lars_options& o, S lr)
        {
            return named<V>("lars",
                            lars_rule<S>(scale_by_lars_ratio{o.trust_coefficient, o.weight_decay, o.trust_ratio},
                                         scale_by_lr<S>{lr}, trace{o.momentum, 0.0, false}));
        }
        template <class V, schedule S>
        auto make_rmsprop(const rmsprop_options& o, S lr)
        {
            return named<V>("rmsprop",
                            rmsprop_rule<S>(add_weight_decay{o.weight_decay}, scale_by_rms{o.alpha, o.eps, o.centered},
                                            trace{o.momentum, 0.0, false}, scale_by_lr<S>{lr}));
        }
        template <class V, schedule S>
        auto make_adagrad(const adagrad_options& o, S lr)
        {
            return named<V>("adagrad",
                            adagrad_rule<S>(add_weight_decay{o.weight_decay},
                                            scale_by_rss{o.eps, o.initial_accumulator_value}, scale_by_lr<S>{lr}));
        }
        template <class V, schedule S>
        auto make_lion(const lion_options& o, S lr)
        {
            return named<V>("lion", lion_rule<S>(scale_by_lion{o.beta1, o.beta2}, add_decayed_weights{o.weight_decay},
                                                 scale_by_lr<S>{lr}));
        }
    }

    template <class V = double, schedule S>
    auto adamw(const adamw_options& o, S lr)
    {
        detail::check_no_rate_with<S>("adamw", o.lr, lr);
        return detail::make_adamw<V>(o, lr);
    }
    template <class V = double>
    auto adamw(const adamw_options& o = {})
    {
        return detail::make_adamw<V>(o, o.lr.value());
    }

    template <class V = double, schedule S>
    auto lamb(const lamb_options& o, S lr)
    {
        detail::check_no_rate_with<S>("lamb", o.lr, lr);
        return detail::make_lamb<V>(o, lr);
    }
    template <class V = double>
    auto lamb(const lamb_options& o = {})
    {
        return detail::make_lamb<V>(o, o.lr.value());
    }

    template <class V = double, schedule S>
    auto lars(const lars_options& o, S lr)
    {
        detail::check_no_rate_with<S>("lars", o.lr, lr);
        return detail::make_lars<V>(o, lr);
    }
    template <class V = double>
    auto lars(const lars_options& o = {})
    {
        return detail::make_lars<V>(o, o.lr.value());
    }

    template <class V = double, schedule S>
    auto rmsprop(const rmsprop_options& o, S lr)
    {
        detail::check_no_rate_with<S>("rmsprop", o.lr, lr);
        return detail::make_rmsprop<V>(o, lr);
    }
    template <class V = double>
    auto rmsprop(const rmsprop_options& o = {})
    {
        return detail::make_rmsprop<V>(o, o.lr.value());
    }

    // Adagrad's lr_decay is the schedule lr / (1 + t lr_decay) (PyTorch's formula); another
    // schedule replaces it (then neither lr nor lr_decay may be given).
    template <class V = double, schedule S>
    auto adagrad(const adagrad_options& o, S lr)
    {
        detail::check_no_rate_with<S>("adagrad", o.lr, lr);
        if (o.lr_decay != 0.0) { detail::invalid("adagrad", "lr_decay", o.lr_decay, "0 (not given) with a schedule"); }
        return detail::make_adagrad<V>(o, lr);
    }
    template <class V = double>
    auto adagrad(const adagrad_options& o = {})
    {
        if (!(o.lr_decay >= 0.0 && std::isfinite(o.lr_decay)))
        {
            detail::invalid("adagrad", "lr_decay", o.lr_decay, "finite and >= 0");
        }
        return detail::make_adagrad<V>(o, inverse_time_decay{o.lr.value(), o.lr_decay});
    }

    template <class V = double, schedule S>
    auto lion(const lion_options& o, S lr)
    {
        detail::check_no_rate_with<S>("lion", o.lr, lr);
        return detail::make_lion<V>(o, lr);
    }
    template <class V = double>
    auto lion(const lion_options& o = {})
    {
        return detail::make_lion<V>(o, o.lr.value());
    }

    namespace detail
    {
        template <class V, schedule S>
        auto make_nadam(const nadam_options& o, S lr)
        {
            with_weight_decay<scale_by_nadam> core;
            core.beta1 = o.beta1;
            core.beta2 = o.beta2;
            core.eps = o.eps;
            core.momentum_decay = o.momentum_decay;
            core.weight_decay = o.weight_decay;
            core.decoupled_weight_decay = o.decoupled_weight_decay;
            return named<V>("nadam", nadam_rule<S>(core, scale_by_lr<S>{lr}));
        }
        template <class V, schedule S>
        auto make_radam(const radam_options& o, S lr)
        {
            with_weight_decay<scale_by_radam> core;
            core.beta1 = o.beta1;
            core.beta2 = o.beta2;
            core.eps = o.eps;
            core.weight_decay = o.weight_decay;
            core.decoupled_weight_decay = o.decoupled_weight_decay;
            return named<V>("radam", radam_rule<S>(core, scale_by_lr<S>{lr}));
        }
        template <class V, schedule S>
        auto make_adamax(const adamax_options& o, S lr)
        {
            return named<V>("adamax", adamax_rule<S>(add_weight_decay{o.weight_decay},
                                                     scale_by_adamax{o.beta1, o.beta2, o.eps}, scale_by_lr<S>{lr}));
        }
        template <class V, schedule S>
        auto make_adadelta(const adadelta_options& o, S lr)
        {
            return named<V>("adadelta", adadelta_rule<S>(add_weight_decay{o.weight_decay},
                                                         scale_by_adadelta{o.rho, o.eps}, scale_by_lr<S>{lr}));
        }
    }

    // NAdam; decoupled_weight_decay as in PyTorch 2.x (theta *= 1 - lr * weight_decay).
    template <class V = double, schedule S>
    auto nadam(const nadam_options& o, S lr)
    {
        detail::check_no_rate_with<S>("nadam", o.lr, lr);
        return detail::make_nadam<V>(o, lr);
    }
    template <class V = double>
    auto nadam(const nadam_options& o = {})
    {
        return detail::make_nadam<V>(o, o.lr.value());
    }

    // RAdam; decoupled_weight_decay as in PyTorch 2.x (theta *= 1 - lr * weight_decay).
    template <class V = double, schedule S>
    auto radam(const radam_options& o, S lr)
    {
        detail::check_no_rate_with<S>("radam", o.lr, lr);
        return detail::make_radam<V>(o, lr);
    }
    template <class V = double>
    auto radam(const radam_options& o = {})
    {
        return detail::make_radam<V>(o, o.lr.value());
    }

    template <class V = double, schedule S>
    auto adamax(const adamax_options& o, S lr)
    {
        detail::check_no_rate_with<S>("adamax", o.lr, lr);
        return detail::make_adamax<V>(o, lr);
    }
    template <class V = double>
    auto adamax(const adamax_options& o = {})
    {
        return detail::make_adamax<V>(o, o.lr.value());
    }

    template <class V = double, schedule S>
    auto adadelta(const adadelta_options& o, S lr)
    {
        detail::check_no_rate_with<S>("adadelta", o.lr, lr);
        return detail::make_adadelta<V>(o, lr);
    }
    template <class V = double>
    auto adadelta(const adadelta_options& o = {})
    {
        return detail::make_adadelta<V>(o, o.lr.value());
    }

    template <class V = double>
    auto rprop(const rprop_options& o = {})
    {
        return detail::named<V>(
            "rprop", rprop_rule(scale_by_rprop{o.lr, o.eta_minus, o.eta_plus, o.step_size_min, o.step_size_max}));
    }

    template <class V = double>
    auto asgd(const asgd_options& o = {})
    {
        return detail::named<V>(
            "asgd", asgd_rule(add_weight_decay{o.weight_decay}, scale_by_asgd{o.lr, o.lambd, o.alpha, o.t0}));
    }

    // Adafactor as torch 2.5 defines it: factored second moments for tensors of rank >= 2,
    // relative step size, update clipping, decoupled weight decay times lr.
    template <class V = double>
    auto adafactor(const adafactor_options& o = {})
    {
        return detail::named<V>("adafactor", adafactor_rule(scale_by_factored_rms{o.beta2_decay, o.eps1, o.maximize},
                                                            scale_by_relative_step{o.lr, o.eps2, o.d, o.weight_decay}));
    }

    // ASGD's averaged parameters ax (PyTorch's state['ax']) of tensor t of group g: the
    // parameters to evaluate once averaging has started (step > t0 + 1); before, ax is the
    // parameter itself.
    template <class V, class Policy>
    const slot_tensor<V>& averaged_parameters(const optimizer<asgd_rule, V, Policy>& opt, std::size_t g = 0,
                                              std::size_t t = 0)
    {
        return opt.state(g, t).slots[asgd_rule::slot_offset[1] + scale_by_asgd::averaged_slot];
    }

    // ---- schedule-free SGD and AdamW (Defazio et al. 2024; facebookresearch/schedule_free) ----
    // Weight decay is taken at y, the point of the gradient; the rate is warmed up inside the
    // last link; the averaging numbers are group state (core/group_state.hpp). The parameters
    // a user evaluates are x: opt.eval() before evaluating, opt.train() before stepping again.
    using sgd_schedule_free_rule = chain<add_decayed_weights, schedule_free_sgd>;
    using adamw_schedule_free_rule = chain<scale_by_bias_corrected_rms, add_decayed_weights, schedule_free_adamw>;

    // SGDScheduleFree's names and defaults.
    struct sgd_schedule_free_options
    {
        double lr = 1.0;
        double momentum = 0.9;
        double weight_decay = 0.0;
        std::uint64_t warmup_steps = 0;
        double r = 0.0;
        double weight_lr_power = 2.0;
    };
    // AdamWScheduleFree's names and defaults (betas split into beta1, beta2).
    struct adamw_schedule_free_options
    {
        double lr = 0.0025;
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;
        double weight_decay = 0.0;
        std::uint64_t warmup_steps = 0;
        double r = 0.0;
        double weight_lr_power = 2.0;
    };

    template <class V = double>
    auto sgd_schedule_free(const sgd_schedule_free_options& o = {})
    {
        return detail::named<V>(
            "sgd_schedule_free",
            sgd_schedule_free_rule(add_decayed_weights{o.weight_decay},
                                   schedule_free_sgd{o.lr, o.momentum, o.warmup_steps, o.r, o.weight_lr_power}));
    }

    template <class V = double>
    auto adamw_schedule_free(const adamw_schedule_free_options& o = {})
    {
        return detail::named<V>(
            "adamw_schedule_free",
            adamw_schedule_free_rule(scale_by_bias_corrected_rms{o.beta2, o.eps}, add_decayed_weights{o.weight_decay},
                                     schedule_free_adamw{o.lr, o.beta1, o.warmup_steps, o.r, o.weight_lr_power}));
    }
}
