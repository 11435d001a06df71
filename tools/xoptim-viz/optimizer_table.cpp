// The named optimizers for xoptim-viz. Each maker below is the only place that knows an
// optimizer's flags: the same code reads the flags, lists the defaults and builds it.

#include "optimizer_table.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include <xoptim/optimizers.hpp>

namespace xoptim_viz {
namespace {

const flag hyper_flags[] = {
    {"--lr", "X", "learning rate"},
    {"--momentum", "X", "momentum factor (sgd, momentum, nesterov, lars, rmsprop)"},
    {"--dampening", "X", "dampening of the momentum buffer (sgd, momentum)"},
    {"--nesterov", "", "Nesterov momentum (sgd)"},
    {"--weight-decay", "X", "weight decay, in the optimizer's own form (see the list below)"},
    {"--beta1", "X", "first-moment decay (adam, amsgrad, adamw, lamb, lion)"},
    {"--beta2", "X", "second-moment decay (adam, amsgrad, adamw, lamb, lion)"},
    {"--eps", "X", "term added to the denominator (adam, amsgrad, adamw, lamb, rmsprop, adagrad)"},
    {"--amsgrad", "", "use the maximum of past second moments (adam, adamw)"},
    {"--alpha", "X", "smoothing constant of the squared-gradient average (rmsprop)"},
    {"--trust-clip", "X", "upper clamp of LAMB's trust ratio; 0: none (lamb)"},
};

/// Reads flags into an options struct, or (when describing) records which flags an optimizer
/// takes and their defaults.
class binder {
public:
    explicit binder(const parsed_flags* given) : m_given(given) {}

    bool describing() const noexcept { return m_given == nullptr; }

    void number(std::string_view name, double& field)
    {
        m_taken.push_back(name);
        if (describing()) {
            // The shortest text that reads back as the same double ("0.9", not "0.90000000000000002").
            char buf[32];
            const auto end = std::to_chars(buf, buf + sizeof buf, field).ptr;
            m_defaults += (m_defaults.empty() ? "" : " ") + std::string(name) + " "
                          + std::string(buf, end);
        } else if (const auto v = m_given->get(name)) {
            field = parse_double(name, *v);
        }
    }

    void on_off(std::string_view name, bool& field)
    {
        m_taken.push_back(name);
        if (describing()) {
            m_defaults += (m_defaults.empty() ? "[" : " [") + std::string(name) + "]";
        } else if (m_given->has(name)) {
            field = true;
        }
    }

    const std::vector<std::string_view>& taken() const noexcept { return m_taken; }
    const std::string& defaults() const noexcept { return m_defaults; }

private:
    const parsed_flags* m_given;
    std::vector<std::string_view> m_taken;
    std::string m_defaults;
};

any_optimizer make_sgd(binder& b)
{
    xoptim::sgd_options o;
    b.number("--lr", o.lr);
    b.number("--momentum", o.momentum);
    b.number("--dampening", o.dampening);
    b.number("--weight-decay", o.weight_decay);
    b.on_off("--nesterov", o.nesterov);
    return b.describing() ? any_optimizer{} : any_optimizer(xoptim::sgd(o));
}

any_optimizer make_momentum(binder& b)
{
    xoptim::momentum_options o;
    b.number("--lr", o.lr);
    b.number("--momentum", o.momentum);
    b.number("--dampening", o.dampening);
    b.number("--weight-decay", o.weight_decay);
    return b.describing() ? any_optimizer{} : any_optimizer(xoptim::momentum(o));
}

any_optimizer make_nesterov(binder& b)
{
    xoptim::nesterov_options o;
    b.number("--lr", o.lr);
    b.number("--momentum", o.momentum);
    b.number("--weight-decay", o.weight_decay);
    return b.describing() ? any_optimizer{} : any_optimizer(xoptim::nesterov(o));
}

void bind_adam(binder& b, xoptim::adam_options& o)
{
    b.number("--lr", o.lr);
    b.number("--beta1", o.beta1);
    b.number("--beta2", o.beta2);
    b.number("--eps", o.eps);
    b.number("--weight-decay", o.weight_decay);
}

any_optimizer make_adam(binder& b)
{
    xoptim::adam_options o;
    bind_adam(b, o);
    bool amsgrad = false;
    b.on_off("--amsgrad", amsgrad);
    if (b.describing()) {
        return {};
    }
    return amsgrad ? any_optimizer(xoptim::amsgrad(o)) : any_optimizer(xoptim::adam(o));
}

any_optimizer make_amsgrad(binder& b)
{
    xoptim::adam_options o;
    bind_adam(b, o);
    return b.describing() ? any_optimizer{} : any_optimizer(xoptim::amsgrad(o));
}

any_optimizer make_adamw(binder& b)
{
    xoptim::adamw_options o;
    b.number("--lr", o.lr);
    b.number("--beta1", o.beta1);
    b.number("--beta2", o.beta2);
    b.number("--eps", o.eps);
    b.number("--weight-decay", o.weight_decay);
    b.on_off("--amsgrad", o.amsgrad);
    return b.describing() ? any_optimizer{} : any_optimizer(xoptim::adamw(o));
}

any_optimizer make_lamb(binder& b)
{
    xoptim::lamb_options o;
    b.number("--lr", o.lr);
    b.number("--beta1", o.beta1);
    b.number("--beta2", o.beta2);
    b.number("--eps", o.eps);
    b.number("--weight-decay", o.weight_decay);
    b.number("--trust-clip", o.trust_clip);
    return b.describing() ? any_optimizer{} : any_optimizer(xoptim::lamb(o));
}

any_optimizer make_lars(binder& b)
{
    xoptim::lars_options o;
    b.number("--lr", o.lr);
    b.number("--momentum", o.momentum);
    b.number("--weight-decay", o.weight_decay);
    return b.describing() ? any_optimizer{} : any_optimizer(xoptim::lars(o));
}

any_optimizer make_rmsprop(binder& b)
{
    xoptim::rmsprop_options o;
    b.number("--lr", o.lr);
    b.number("--alpha", o.alpha);
    b.number("--eps", o.eps);
    b.number("--weight-decay", o.weight_decay);
    b.number("--momentum", o.momentum);
    return b.describing() ? any_optimizer{} : any_optimizer(xoptim::rmsprop(o));
}

any_optimizer make_adagrad(binder& b)
{
    xoptim::adagrad_options o;
    b.number("--lr", o.lr);
    b.number("--eps", o.eps);
    b.number("--weight-decay", o.weight_decay);
    return b.describing() ? any_optimizer{} : any_optimizer(xoptim::adagrad(o));
}

any_optimizer make_lion(binder& b)
{
    xoptim::lion_options o;
    b.number("--lr", o.lr);
    b.number("--beta1", o.beta1);
    b.number("--beta2", o.beta2);
    b.number("--weight-decay", o.weight_decay);
    return b.describing() ? any_optimizer{} : any_optimizer(xoptim::lion(o));
}

struct entry {
    std::string_view name;
    std::string_view summary;
    any_optimizer (*make)(binder&);
};

// The one table of optimizers.
const entry table[] = {
    {"sgd", "PyTorch SGD; --weight-decay adds wd*theta to the gradient (L2)", make_sgd},
    {"momentum", "SGD with heavy-ball momentum; --weight-decay as sgd", make_momentum},
    {"nesterov", "SGD with Nesterov momentum; --weight-decay as sgd", make_nesterov},
    {"adam", "Adam (--amsgrad: AMSGrad); --weight-decay is L2, added to the gradient", make_adam},
    {"amsgrad", "Adam with the running maximum of v; --weight-decay as adam", make_amsgrad},
    {"adamw", "AdamW; --weight-decay is decoupled, theta -= lr*wd*theta", make_adamw},
    {"lamb", "LAMB; --weight-decay is added to the update inside the trust ratio", make_lamb},
    {"lars", "LARS; --weight-decay enters the local rate and the update", make_lars},
    {"rmsprop", "RMSprop; --weight-decay is L2, added to the gradient", make_rmsprop},
    {"adagrad", "Adagrad; --weight-decay is L2, added to the gradient", make_adagrad},
    {"lion", "Lion; --weight-decay is decoupled, theta -= lr*wd*theta", make_lion},
};

const entry* find(std::string_view name)
{
    for (const auto& e : table) {
        if (e.name == name) {
            return &e;
        }
    }
    return nullptr;
}

const entry& require(std::string_view name)
{
    if (const entry* e = find(name)) {
        return *e;
    }
    throw usage_error("unknown optimizer '" + std::string(name) + "' (choose from: "
                      + join(optimizer_names()) + ")");
}

} // namespace

std::span<const flag> hyperparameter_flags() { return hyper_flags; }

std::vector<std::string_view> optimizer_names()
{
    std::vector<std::string_view> names;
    for (const auto& e : table) {
        names.push_back(e.name);
    }
    return names;
}

bool is_optimizer(std::string_view name) { return find(name) != nullptr; }

std::string optimizer_defaults(std::string_view name)
{
    binder b(nullptr);
    require(name).make(b);
    return b.defaults();
}

std::string_view optimizer_summary(std::string_view name) { return require(name).summary; }

any_optimizer make_optimizer(std::string_view name, const parsed_flags& given)
{
    const entry& e = require(name);
    binder describe(nullptr);
    e.make(describe);
    const auto& taken = describe.taken();
    for (const auto& f : hyper_flags) {
        if (given.has(f.name) && std::find(taken.begin(), taken.end(), f.name) == taken.end()) {
            std::string takes;
            for (const auto t : taken) {
                takes += (takes.empty() ? "" : ", ") + std::string(t);
            }
            throw usage_error(std::string(f.name) + " does not apply to " + std::string(name)
                              + " (it takes " + takes + ")");
        }
    }
    binder read(&given);
    try {
        return e.make(read);
    } catch (const std::invalid_argument& error) {
        throw usage_error(error.what());
    }
}

} // namespace xoptim_viz
