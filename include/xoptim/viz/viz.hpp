// xoptim/viz/viz.hpp -- all of the visualisation module: SVG charts, contour
// maps, shaded surfaces, animation, HTML pages and CSV data files, with no
// dependency beyond the standard library.
#pragma once

#include "animation.hpp"
#include "axes.hpp"
#include "chart.hpp"
#include "colour.hpp"
#include "compact_path.hpp"
#include "contour.hpp"
#include "csv.hpp"
#include "html.hpp"
#include "scale.hpp"
#include "surface.hpp"
#include "svg.hpp"
