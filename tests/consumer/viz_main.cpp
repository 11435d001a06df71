// Uses the installed xoptim::viz component alone: the pictures without xtensor or the
// optimizers. Returns 0 only when the results are right.
#include <xoptim/viz/viz.hpp>

#if defined(XTENSOR_VERSION_MAJOR)
#error "xoptim/viz/viz.hpp pulled in xtensor"
#endif

#include <cstdio>
#include <string>
#include <vector>

int main()
{
    int failures = 0;
    namespace viz = xoptim::viz;

    // A line chart of y = x^2 is one SVG document holding its series' name.
    viz::series s;
    s.name = "square";
    for (int i = 0; i <= 10; ++i)
    {
        s.x.push_back(i);
        s.y.push_back(i * i);
    }
    const std::string svg = viz::line_chart({s}, {});
    if (svg.find("<svg") == std::string::npos || svg.find("square") == std::string::npos
        || svg.find("</svg>") == std::string::npos)
    {
        std::printf("unexpected chart: %.80s\n", svg.c_str());
        ++failures;
    }

    // CSV columns keep every double exactly.
    const std::string csv = viz::columns_csv({"x", "y"}, {{0.1, 2.0}, {1.0 / 3.0, -0.0}});
    if (csv != "x,y\n0.1,0.3333333333333333\n2,-0\n")
    {
        std::printf("unexpected csv: %s\n", csv.c_str());
        ++failures;
    }
    if (failures == 0) { std::printf("xoptim::viz: chart and CSV as expected\n"); }
    return failures == 0 ? 0 : 1;
}
