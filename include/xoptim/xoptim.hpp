#pragma once
// xoptim: gradient-based optimizers as stateless rules composed at compile time, run by one engine.
// Everything but three optional parts: the MPI component (xoptim/mpi/distributed.hpp, target
// xoptim::mpi), Muon (xoptim/muon.hpp, target xoptim::muon: needs a BLAS) and the pictures
// (xoptim/viz/viz.hpp, standard library only).

#include "version.hpp"

#include "core/chain.hpp"
#include "core/engine.hpp"
#include "core/finite.hpp"
#include "core/optimizer.hpp"
#include "core/parallel.hpp"
#include "core/reducing_rule.hpp"
#include "core/simd.hpp"
#include "core/slots.hpp"
#include "core/state.hpp"
#include "core/step_info.hpp"
#include "core/update_rule.hpp"
#include "core/validate.hpp"

#include "rules/add_decayed_weights.hpp"
#include "rules/clip_by_global_norm.hpp"
#include "rules/clip_by_norm.hpp"
#include "rules/clip_by_value.hpp"
#include "rules/ewma.hpp"
#include "rules/scale_by_adam.hpp"
#include "rules/scale_by_lars_ratio.hpp"
#include "rules/scale_by_lion.hpp"
#include "rules/scale_by_lr.hpp"
#include "rules/scale_by_rms.hpp"
#include "rules/scale_by_rss.hpp"
#include "rules/scale_by_trust_ratio.hpp"
#include "rules/trace.hpp"

#include "optimizers.hpp"
#include "schedules.hpp"

#include "clip_grad_norm.hpp"
#include "lbfgs.hpp"
#include "reduce_on_plateau.hpp"

#include "losses/huber.hpp"
#include "losses/loss.hpp"
#include "losses/mae.hpp"
#include "losses/mse.hpp"
#include "losses/rmse.hpp"

#include "problems/batches.hpp"
#include "problems/csv.hpp"
#include "problems/dataset.hpp"
#include "problems/linear_regression.hpp"
#include "problems/objective.hpp"
#include "problems/seed_data.hpp"
#include "problems/test_functions.hpp"

#include "fit.hpp"

#include "io/checkpoint.hpp"
#include "io/lbfgs_checkpoint.hpp"
