"""Registry entries for the sampling family (light: imports only the registry types)."""

from algorithms.registry import AlgorithmSpec, Param

F = "sampling"
SEED = Param("seed", int, 0, 0, 10_000)

SPECS: list[AlgorithmSpec] = [
    AlgorithmSpec(
        name="metropolis-hastings", title="Random-walk Metropolis-Hastings", family=F,
        summary="MCMC on a bimodal mixture; moments, effective sample size and a KS test against the exact CDF.",
        module="algorithms.sampling.metropolis_hastings", reference="exact mixture moments and CDF",
        params=(Param("n_samples", int, 20_000, 1000, 100_000), Param("step", float, 2.5, 0.05, 20.0), SEED),
        tags=("mcmc",)),
    AlgorithmSpec(
        name="gibbs-sampling", title="Gibbs sampling for a multivariate normal", family=F,
        summary="Coordinate-wise sampling from Gaussian full conditionals; autocorrelation rho^2.",
        module="algorithms.sampling.gibbs", reference="the exact bivariate normal",
        params=(Param("rho", float, 0.9, -0.99, 0.99), Param("n_samples", int, 20_000, 1000, 100_000), SEED),
        tags=("mcmc",)),
    AlgorithmSpec(
        name="hmc", title="Hamiltonian Monte Carlo with leapfrog integration", family=F,
        summary="HMC on an ill-conditioned 10-d Gaussian; second-order energy error of leapfrog.",
        module="algorithms.sampling.hmc", reference="the exact Gaussian covariance",
        params=(Param("dim", int, 10, 1, 50), Param("n_samples", int, 3000, 100, 10_000),
                Param("step", float, 0.05, 0.001, 0.2), Param("n_leapfrog", int, 40, 1, 100), SEED),
        tags=("mcmc", "gradient-based")),
    AlgorithmSpec(
        name="importance-sampling", title="Importance sampling for a rare-event probability", family=F,
        summary="Shifted-proposal estimate of a Gaussian tail probability, plain and self-normalised.",
        module="algorithms.sampling.importance_sampling", reference="scipy.stats.norm.sf",
        params=(Param("threshold", float, 4.0, 0.0, 8.0), Param("n", int, 10_000, 100, 1_000_000), SEED),
        tags=("monte-carlo",)),
    AlgorithmSpec(
        name="reservoir-sampling", title="Reservoir sampling (Algorithm R and weighted A-Res)", family=F,
        summary="Uniform k-sample from a stream in one pass; inclusion frequencies against k/n.",
        module="algorithms.sampling.reservoir_sampling", reference="exact inclusion probabilities",
        params=(Param("stream_len", int, 100, 1, 500), Param("k", int, 10, 1, 100), Param("trials", int, 2000, 10, 3000), SEED),
        tags=("streaming",)),
    AlgorithmSpec(
        name="rejection-sampling", title="Rejection sampling with an envelope", family=F,
        summary="Exact Beta samples from uniform proposals; acceptance rate 1/M.",
        module="algorithms.sampling.rejection_sampling", reference="scipy.stats.beta",
        params=(Param("a", float, 2.0, 1.0, 20.0), Param("b", float, 5.0, 1.0, 20.0),
                Param("n", int, 20_000, 100, 200_000), SEED),
        tags=("monte-carlo",)),
    AlgorithmSpec(
        name="slice-sampling", title="Slice sampling (stepping out and shrinkage)", family=F,
        summary="Univariate slice sampler on a skewed Gamma target; no step size to tune.",
        module="algorithms.sampling.slice_sampling", reference="scipy.stats.gamma",
        params=(Param("n_samples", int, 5000, 100, 20_000), Param("width", float, 1.0, 0.01, 100.0), SEED),
        tags=("mcmc",)),
]
