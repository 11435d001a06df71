#pragma once
// xoptim, all but its optional parts: the optimizers (xoptim/xoptim.hpp), make_optimizer and
// any_optimizer, L-BFGS, the losses, the problems and data sets, the fit loop and the
// checkpoints. The optional parts are the MPI component (xoptim/mpi/distributed.hpp), Muon and
// Shampoo (xoptim/muon.hpp, xoptim/shampoo.hpp: a BLAS) and the pictures (xoptim/viz/viz.hpp).

#include "xoptim.hpp"

#include "any_optimizer.hpp"
#include "lbfgs.hpp"

#include "losses/huber.hpp"
#include "losses/loss.hpp"
#include "losses/mae.hpp"
#include "losses/mse.hpp"
#include "losses/rmse.hpp"

#include "problems/batches.hpp"
#include "problems/csv.hpp"
#include "problems/dataset.hpp"
#include "problems/linear_regression.hpp"
#include "problems/multi_output_regression.hpp"
#include "problems/objective.hpp"
#include "problems/seed_data.hpp"
#include "problems/test_functions.hpp"

#include "fit.hpp"

#include "io/checkpoint.hpp"
#include "io/lbfgs_checkpoint.hpp"
