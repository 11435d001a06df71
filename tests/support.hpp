#pragma once
// Test support: the reference data set and trajectories, and the straight-line losses'
// gradients written out by hand (independent of the library's losses and problems).

#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "paths.hpp"
#include <xtensor/xtensor.hpp>

namespace xoptim_test
{
    struct table
    {
        std::vector<std::string> header;
        std::vector<std::vector<double>> rows;
    };

    inline table read_csv(const std::string& name)
    {
        const std::string path = std::string(xoptim_test::data_dir()) + "/" + name;
        std::ifstream in(path);
        if (!in) { throw std::runtime_error("cannot open " + path); }
        table t;
        std::string line;
        std::getline(in, line);
        std::stringstream hs(line);
        for (std::string cell; std::getline(hs, cell, ',');) { t.header.push_back(cell); }
        while (std::getline(in, line))
        {
            if (line.empty()) { continue; }
            std::stringstream ls(line);
            std::vector<double> row;
            for (std::string cell; std::getline(ls, cell, ',');) { row.push_back(std::stod(cell)); }
            t.rows.push_back(row);
        }
        return t;
    }

    struct line_data
    {
        std::vector<double> x, y;
    };

    inline line_data seed_line()
    {
        const table t = read_csv("data.csv");
        line_data d;
        for (const auto& r : t.rows)
        {
            d.x.push_back(r[0]);
            d.y.push_back(r[1]);
        }
        return d;
    }

    enum class line_loss
    {
        mse,
        rmse,
        mae
    };

    // Mean loss of y_hat = theta0 + theta1 x, and its gradient, by hand.
    inline double line_value(const line_data& d, line_loss kind, double t0, double t1)
    {
        double s = 0.0;
        for (std::size_t i = 0; i < d.x.size(); ++i)
        {
            const double r = t0 + t1 * d.x[i] - d.y[i];
            s += kind == line_loss::mae ? std::fabs(r) : r * r;
        }
        s /= static_cast<double>(d.x.size());
        return kind == line_loss::rmse ? std::sqrt(s) : s;
    }

    inline xt::xtensor<double, 1> line_gradient(const line_data& d, line_loss kind, double t0, double t1)
    {
        const double n = static_cast<double>(d.x.size());
        double g0 = 0.0, g1 = 0.0;
        for (std::size_t i = 0; i < d.x.size(); ++i)
        {
            const double r = t0 + t1 * d.x[i] - d.y[i];
            const double dr = kind == line_loss::mae ? (r > 0 ? 1.0 : (r < 0 ? -1.0 : 0.0)) : 2.0 * r;
            g0 += dr / n;
            g1 += dr * d.x[i] / n;
        }
        if (kind == line_loss::rmse)
        {
            const double root = line_value(d, line_loss::rmse, t0, t1);
            g0 = root > 0 ? g0 / (2.0 * root) : 0.0;
            g1 = root > 0 ? g1 / (2.0 * root) : 0.0;
        }
        return {g0, g1};
    }

    inline double relative_error(double a, double b)
    {
        const double scale = std::max({std::fabs(a), std::fabs(b), 1e-12});
        return std::fabs(a - b) / scale;
    }
}
