using MathNet.Numerics.LinearAlgebra;

namespace LiquidationLab.Core.Backtesting;

/// <summary>A fitted linear quantile regression.</summary>
/// <param name="Coefficients">Intercept first (when fitted), then one coefficient per feature.</param>
/// <param name="Objective">Σ ρ_τ(yᵢ − xᵢ'β) at the solution (the pinball loss summed over the rows).</param>
/// <param name="Iterations">Reweighting iterations plus vertex exchanges used.</param>
/// <param name="Optimal">Whether the vertex optimality certificate held (no edge direction lowers the objective); false only
/// when the exchange limit was reached (the best point found is returned).</param>
public sealed record QuantileFit(double[] Coefficients, double Objective, int Iterations, bool Optimal)
{
    /// <summary>x'β for one feature row (without the intercept column; NaN in, NaN out).</summary>
    /// <exception cref="ArgumentException">A row of another width.</exception>
    public double Predict(IReadOnlyList<double> row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var intercept = Coefficients.Length - row.Count;
        if (intercept is not (0 or 1)) throw new ArgumentException($"The row has {row.Count} features; the fit has {Coefficients.Length} coefficients.", nameof(row));
        var v = intercept == 1 ? Coefficients[0] : 0;
        for (var k = 0; k < row.Count; k++) v += Coefficients[k + intercept] * row[k];
        return v;
    }
}

/// <summary>
/// Linear quantile regression (Koenker &amp; Bassett 1978): β̂(τ) = argmin Σ ρ_τ(yᵢ − xᵢ'β) with the check function
/// ρ_τ(u) = u·(τ − 1{u &lt; 0}); τ = 0.5 is least absolute deviations (the conditional median). Solved exactly: an
/// iteratively reweighted least-squares start (weights τ or 1 − τ over |rᵢ|) brings β near the optimum, then the
/// solution is moved to the LP vertex that interpolates p rows and improved by edge exchanges — along each edge the
/// objective is convex and piecewise linear, minimised by a weighted-quantile line search (the Barrodale–Roberts step) —
/// until no edge lowers it: a vertex with every directional derivative ≥ 0 is optimal (LP duality), which is the
/// certificate <see cref="QuantileFit.Optimal"/> reports. No package on this machine's NuGet mirror fits quantile
/// regressions (MathNet.Numerics has none).
/// </summary>
public static class QuantileRegression
{
    /// <summary>Most vertex exchanges before the search stops (each lowers the objective; a few dozen are typical).</summary>
    public const int MaxExchanges = 5000;

    private const int ReweightingIterations = 25;

    /// <summary>Relative objective improvement below which reweighting stops and the exact vertex search takes over.</summary>
    private const double ReweightingTolerance = 1e-6;

    /// <summary>Fits β̂(τ).</summary>
    /// <param name="features">n rows of p features each (no intercept column; finite values).</param>
    /// <param name="target">n targets (finite).</param>
    /// <param name="tau">Quantile level in (0, 1).</param>
    /// <param name="intercept">Whether to fit an intercept (the first coefficient).</param>
    /// <returns>The fit; when the solution is not unique (e.g. an even count at τ = 0.5) one optimal vertex.</returns>
    /// <exception cref="ArgumentException">τ outside (0, 1); rows and targets of different counts, ragged rows or non-finite
    /// values; fewer rows than coefficients; or a design without full column rank (a constant feature beside the intercept, a
    /// feature that repeats another): the message names the feature.</exception>
    public static QuantileFit Fit(IReadOnlyList<double[]> features, IReadOnlyList<double> target, double tau, bool intercept = true)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(target);
        if (!(tau > 0 && tau < 1)) throw new ArgumentException($"The quantile level τ must be within (0, 1), found {tau}.", nameof(tau));
        if (features.Count != target.Count) throw new ArgumentException($"{features.Count} feature rows but {target.Count} targets.", nameof(target));
        var n = target.Count;
        var width = n == 0 ? 0 : features[0].Length;
        var p = width + (intercept ? 1 : 0);
        if (p == 0) throw new ArgumentException("No coefficient to fit: no feature and no intercept.", nameof(features));
        if (n < p) throw new ArgumentException($"{n} rows cannot fit {p} coefficients; at least {p} are needed.", nameof(features));
        var x = new double[n, p];
        var y = new double[n];
        for (var i = 0; i < n; i++)
        {
            if (features[i].Length != width) throw new ArgumentException($"Row {i} has {features[i].Length} features, row 0 has {width}.", nameof(features));
            if (!double.IsFinite(target[i])) throw new ArgumentException($"Target {i} is {target[i]}; every value must be finite.", nameof(target));
            y[i] = target[i];
            if (intercept) x[i, 0] = 1;
            for (var k = 0; k < width; k++)
            {
                var v = features[i][k];
                if (!double.IsFinite(v)) throw new ArgumentException($"Row {i}, feature {k} is {v}; every value must be finite.", nameof(features));
                x[i, k + (intercept ? 1 : 0)] = v;
            }
        }
        CheckRank(x, intercept);

        // 1. Reweighted least squares: a start near the optimum, so few exchanges are needed.
        var beta = LeastSquares(x, y, null);
        var scale = Math.Max(1e-300, y.Select(Math.Abs).DefaultIfEmpty(0).Max() * 1e-10);
        var r = new double[n];
        var w = new double[n];
        var objective = Objective(x, y, beta, tau, r);
        var iterations = 0;
        for (; iterations < ReweightingIterations; iterations++)
        {
            for (var i = 0; i < n; i++) w[i] = (r[i] >= 0 ? tau : 1 - tau) / Math.Max(Math.Abs(r[i]), scale);
            double[] next;
            try
            {
                next = LeastSquares(x, y, w);
            }
            catch (ArgumentException)
            {
                break; // weights concentrated on too few rows: the vertex search below takes over
            }
            var nextObjective = Objective(x, y, next, tau, r);
            if (!(nextObjective < objective)) break;
            var improvement = objective - nextObjective;
            (beta, objective) = (next, nextObjective);
            if (improvement <= ReweightingTolerance * Math.Max(objective, scale)) break;
        }
        Objective(x, y, beta, tau, r);

        // 2. The vertex through the p rows with the smallest residuals (independent ones), then edge exchanges.
        int[] basis;
        double[] vertex;
        double[,] inverse;
        try
        {
            basis = StartBasis(x, r, p);
            (vertex, inverse) = Solve(x, y, basis);
        }
        catch (ArgumentException)
        {
            // No well-conditioned vertex near the start (rows almost on a lower-dimensional curve, e.g. features that are all
            // smooth functions of time): the reweighted solution is returned, without the optimality certificate.
            return new QuantileFit(beta, objective, iterations, false);
        }
        var vertexObjective = Objective(x, y, vertex, tau, r);
        var optimal = false;
        var g = new double[n];
        var d = new double[p];
        for (var exchange = 0; exchange < MaxExchanges; exchange++, iterations++)
        {
            var improved = false;
            var inBasis = new bool[n];
            foreach (var b in basis) inBasis[b] = true;
            // Directional derivatives of all 2p edges in one pass (edge (j, ±): leave basis row j, its residual becoming
            // nonzero, while the other basis rows stay interpolated; direction ±X_B⁻¹e_j). Steepest first.
            var slopes = new double[p, 2];
            var scales = new double[p];
            for (var i = 0; i < n; i++)
            {
                if (inBasis[i] && Array.IndexOf(basis, i) is var own && own >= 0)
                {
                    double gj = 0;
                    for (var k = 0; k < p; k++) gj += x[i, k] * inverse[k, own];
                    // the leaving row: residual 0, moving away from it costs (1 − τ)·g or τ·|g| either way
                    slopes[own, 1] += gj > 0 ? (1 - tau) * gj : -tau * gj;
                    slopes[own, 0] += -gj > 0 ? (1 - tau) * -gj : tau * gj;
                    scales[own] = Math.Max(scales[own], Math.Abs(gj));
                    continue;
                }
                for (var j = 0; j < p; j++)
                {
                    double gi = 0;
                    for (var k = 0; k < p; k++) gi += x[i, k] * inverse[k, j];
                    scales[j] = Math.Max(scales[j], Math.Abs(gi));
                    if (r[i] == 0)
                    {
                        slopes[j, 1] += gi > 0 ? (1 - tau) * gi : -tau * gi;
                        slopes[j, 0] += -gi > 0 ? (1 - tau) * -gi : tau * gi;
                    }
                    else
                    {
                        var c = r[i] > 0 ? -tau * gi : (1 - tau) * gi;
                        slopes[j, 1] += c;
                        slopes[j, 0] -= c;
                    }
                }
            }
            var edges = Enumerable.Range(0, 2 * p).Select(e => (J: e / 2, Sign: e % 2 == 1 ? 1 : -1, Slope: slopes[e / 2, e % 2]))
                .Where(e => e.Slope < -1e-12 * Math.Max(1, scales[e.J])).OrderBy(e => e.Slope).ToArray();
            foreach (var (j, sign, edgeSlope) in edges)
            {
                for (var k = 0; k < p; k++) d[k] = sign * inverse[k, j];
                for (var i = 0; i < n; i++)
                {
                    double gi = 0;
                    for (var k = 0; k < p; k++) gi += x[i, k] * d[k];
                    g[i] = gi;
                }
                var slope = edgeSlope;
                // Weighted-quantile line search: kinks where a row's residual reaches zero; each adds |gᵢ| to the slope.
                var kinks = new List<(double T, int Row)>();
                for (var i = 0; i < n; i++)
                {
                    if (inBasis[i] || g[i] == 0) continue;
                    var t = r[i] / g[i];
                    if (t > 0) kinks.Add((t, i));
                }
                kinks.Sort((a, b) => a.T.CompareTo(b.T));
                var entering = -1;
                foreach (var (_, row) in kinks)
                {
                    slope += Math.Abs(g[row]);
                    if (slope >= 0)
                    {
                        entering = row;
                        break;
                    }
                }
                if (entering < 0) continue; // unbounded along this edge cannot happen with full rank; skip defensively
                var newBasis = (int[])basis.Clone();
                newBasis[j] = entering;
                double[] candidate;
                double[,] candidateInverse;
                try
                {
                    (candidate, candidateInverse) = Solve(x, y, newBasis);
                }
                catch (ArgumentException)
                {
                    continue;
                }
                var candidateObjective = Objective(x, y, candidate, tau, g);
                if (!(candidateObjective < vertexObjective - 1e-13 * Math.Max(1, vertexObjective))) continue;
                (basis, vertex, inverse, vertexObjective) = (newBasis, candidate, candidateInverse, candidateObjective);
                Objective(x, y, vertex, tau, r);
                improved = true;
                break;
            }
            if (!improved)
            {
                optimal = true;
                break;
            }
        }
        return vertexObjective <= objective
            ? new QuantileFit(vertex, vertexObjective, iterations, optimal)
            : new QuantileFit(beta, objective, iterations, false);
    }

    /// <summary>
    /// The features that keep the design (with the intercept first when <paramref name="intercept"/>) of full column rank,
    /// chosen greedily in order: a feature that is constant beside the intercept, or (numerically, relative residual below
    /// 1e-9 after projection on the columns kept before it) a linear combination of them, is left out.
    /// </summary>
    /// <param name="features">Rows of finite values, same width.</param>
    /// <param name="intercept">Whether the design has an intercept column.</param>
    /// <returns>Indices of the kept features, increasing.</returns>
    public static int[] IndependentFeatures(IReadOnlyList<double[]> features, bool intercept = true)
    {
        ArgumentNullException.ThrowIfNull(features);
        var n = features.Count;
        var width = n == 0 ? 0 : features[0].Length;
        var basis = new List<double[]>();
        if (intercept && n > 0) basis.Add(Enumerable.Repeat(1 / Math.Sqrt(n), n).ToArray());
        var kept = new List<int>();
        for (var k = 0; k < width; k++)
        {
            var c = new double[n];
            for (var i = 0; i < n; i++) c[i] = features[i][k];
            var norm = Math.Sqrt(c.Sum(v => v * v));
            if (norm == 0 || !double.IsFinite(norm)) continue;
            for (var i = 0; i < n; i++) c[i] /= norm;
            foreach (var b in basis)
            {
                double dot = 0;
                for (var i = 0; i < n; i++) dot += c[i] * b[i];
                for (var i = 0; i < n; i++) c[i] -= dot * b[i];
            }
            var rest = Math.Sqrt(c.Sum(v => v * v));
            if (rest < 1e-9) continue;
            for (var i = 0; i < n; i++) c[i] /= rest;
            basis.Add(c);
            kept.Add(k);
        }
        return kept.ToArray();
    }

    /// <summary>Σ ρ_τ(y − p) over the pairs: the check (pinball) loss summed; see <see cref="Metrics.Pinball"/> for the mean.</summary>
    private static double Objective(double[,] x, double[] y, double[] beta, double tau, double[] residuals)
    {
        double sum = 0;
        for (var i = 0; i < y.Length; i++)
        {
            var v = y[i];
            for (var k = 0; k < beta.Length; k++) v -= x[i, k] * beta[k];
            residuals[i] = v;
            sum += v >= 0 ? tau * v : (tau - 1) * v;
        }
        return sum;
    }

    private static void CheckRank(double[,] x, bool intercept)
    {
        var n = x.GetLength(0);
        var p = x.GetLength(1);
        // Columns scaled to unit length, then Gram–Schmidt: a column (almost) in the span of the earlier ones is named.
        var basis = new List<double[]>();
        for (var k = 0; k < p; k++)
        {
            var c = new double[n];
            for (var i = 0; i < n; i++) c[i] = x[i, k];
            var norm = Math.Sqrt(c.Sum(v => v * v));
            var name = intercept && k == 0 ? "the intercept" : $"feature {(intercept ? k - 1 : k)}";
            if (norm == 0) throw new ArgumentException($"The design is singular: {name} is zero in every row.");
            if (intercept && k > 0 && c.All(v => v == c[0]))
                throw new ArgumentException($"The design is singular: {name} is constant, so it cannot be told apart from the intercept.");
            for (var i = 0; i < n; i++) c[i] /= norm;
            foreach (var b in basis)
            {
                double dot = 0;
                for (var i = 0; i < n; i++) dot += c[i] * b[i];
                for (var i = 0; i < n; i++) c[i] -= dot * b[i];
            }
            var rest = Math.Sqrt(c.Sum(v => v * v));
            if (rest < 1e-9)
                throw new ArgumentException($"The design is singular: {name} is a linear combination of the columns before it.");
            for (var i = 0; i < n; i++) c[i] /= rest;
            basis.Add(c);
        }
    }

    private static double[] LeastSquares(double[,] x, double[] y, double[]? w)
    {
        var n = y.Length;
        var p = x.GetLength(1);
        // Normal equations accumulated in plain arrays (the n·p² inner loop), solved by MathNet.
        var xtx = new double[p, p];
        var xty = new double[p];
        var row = new double[p];
        for (var i = 0; i < n; i++)
        {
            var wi = w?[i] ?? 1;
            for (var k = 0; k < p; k++) row[k] = x[i, k];
            for (var k = 0; k < p; k++)
            {
                var xk = wi * row[k];
                xty[k] += xk * y[i];
                for (var l = 0; l <= k; l++) xtx[k, l] += xk * row[l];
            }
        }
        for (var k = 0; k < p; k++)
            for (var l = k + 1; l < p; l++) xtx[k, l] = xtx[l, k];
        var solution = Matrix<double>.Build.DenseOfArray(xtx).Solve(Vector<double>.Build.Dense(xty));
        if (solution.Any(v => !double.IsFinite(v))) throw new ArgumentException("A singular weighted least-squares step.");
        return solution.ToArray();
    }

    private static int[] StartBasis(double[,] x, double[] r, int p)
    {
        var n = r.Length;
        var order = Enumerable.Range(0, n).OrderBy(i => Math.Abs(r[i])).ThenBy(i => i).ToArray();
        var chosen = new List<int>();
        var spanned = new List<double[]>();
        foreach (var i in order)
        {
            var v = new double[p];
            for (var k = 0; k < p; k++) v[k] = x[i, k];
            var norm = Math.Sqrt(v.Sum(t => t * t));
            if (norm == 0) continue;
            for (var k = 0; k < p; k++) v[k] /= norm;
            foreach (var b in spanned)
            {
                var dot = 0.0;
                for (var k = 0; k < p; k++) dot += v[k] * b[k];
                for (var k = 0; k < p; k++) v[k] -= dot * b[k];
            }
            var rest = Math.Sqrt(v.Sum(t => t * t));
            if (rest < 1e-8) continue;
            for (var k = 0; k < p; k++) v[k] /= rest;
            spanned.Add(v);
            chosen.Add(i);
            if (chosen.Count == p) break;
        }
        if (chosen.Count < p) throw new ArgumentException("The design is singular: fewer than p independent rows.");
        return chosen.ToArray();
    }

    /// <summary>β through the basis rows (X_B β = y_B) and X_B⁻¹, whose column j is the edge that frees basis row j.</summary>
    private static (double[] Beta, double[,] Inverse) Solve(double[,] x, double[] y, int[] basis)
    {
        var p = basis.Length;
        var xb = Matrix<double>.Build.Dense(p, p, (i, k) => x[basis[i], k]);
        var inverse = xb.Inverse();
        if (inverse.Enumerate().Any(v => !double.IsFinite(v))) throw new ArgumentException("A singular basis.");
        var beta = inverse * Vector<double>.Build.Dense(p, i => y[basis[i]]);
        // One refinement step against rounding: β += X_B⁻¹ (y_B − X_B β).
        var residual = Vector<double>.Build.Dense(p, i => y[basis[i]]) - xb * beta;
        beta += inverse * residual;
        return (beta.ToArray(), inverse.ToArray());
    }
}
